# Mutation testing of the core (PIT): packages org.sigbatch and org.sigbatch.cpu (java/core/pom.xml
# says which tests run). Not part of `make test`: it takes tens of minutes (RELIABILITY.md).
# MUTATION_ARGS passes more, e.g. MUTATION_ARGS='-DtargetClasses=org.sigbatch.Sigmoid*' or -Dpitest.threads=4.
# Report: java/core/target/pit-reports/index.html (and mutations.xml).
.PHONY: mutation
MUTATION_ARGS ?=
mutation:
	$(MVN) -q install -DskipTests
	nice -n 10 $(MVN) -pl java/core test-compile org.pitest:pitest-maven:mutationCoverage $(MUTATION_ARGS)
