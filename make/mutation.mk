# Mutation testing of the core (PIT): packages org.sigbatch and org.sigbatch.cpu (java/core/pom.xml
# says which tests run). Not part of `make test`: it takes tens of minutes (RELIABILITY.md).
# MUTATION_ARGS passes more, e.g. MUTATION_ARGS='-DtargetClasses=org.sigbatch.Sigmoid*' or -Dpitest.threads=4.
# Report: java/core/target/pit-reports/index.html (and mutations.xml).
# No `install` first: the core depends on no other module (the parent pom is found by its relative
# path), and an install would overwrite the snapshot jars in a shared ~/.m2.
.PHONY: mutation
MUTATION_ARGS ?=
mutation:
	nice -n 10 $(MVN) -pl java/core test-compile org.pitest:pitest-maven:mutationCoverage $(MUTATION_ARGS)
