# The publishable surface (included by the Makefile).
#   make install      core, opencl, cuda, cli, spark and sigbatch-bom into the local Maven repository
#                     (MAVEN_REPO_LOCAL=<dir> for another one)
#   make dist         target/dist/sigbatch-<version>.tar.gz: bin/sigbatch, lib/ (all jars), README.md, LICENSE
#   make test-publish what CI runs after the tests: installs into a private repository (never ~/.m2:
#                     others build on this machine), builds and runs examples/ through the BOM, and
#                     unpacks the dist and runs bin/sigbatch devices from a clean directory
.PHONY: install dist test-publish test-examples test-dist

VERSION := $(shell sed -n 's:^  <version>\(.*\)</version>:\1:p' pom.xml | head -1)
MAVEN_REPO_LOCAL ?=
REPO_FLAG := $(if $(MAVEN_REPO_LOCAL),-Dmaven.repo.local=$(abspath $(MAVEN_REPO_LOCAL)))
# where test-publish installs: a repository of its own (see scripts/test-examples)
PUBLISH_M2 := $(abspath target/publish-m2)
DIST := target/dist/sigbatch-$(VERSION)

install:
	$(MVN) -q install -DskipTests $(REPO_FLAG) -pl java/core,java/opencl,java/cuda,java/cli,java/spark,java/bom -am

dist:
	rm -rf $(DIST) && mkdir -p $(DIST)/bin
	$(MVN) -q package dependency:copy-dependencies -DskipTests -pl java/cli -am -DincludeScope=runtime -DoutputDirectory=$(abspath $(DIST))/lib
	cp java/cli/target/sigbatch-cli-$(VERSION).jar $(DIST)/lib/
	cp java/cli/src/main/dist/sigbatch scripts/find-jdk $(DIST)/bin/
	cp README.md LICENSE $(DIST)/
	tar -C target/dist -czf $(DIST).tar.gz sigbatch-$(VERSION)
	@ls -l $(DIST).tar.gz

test-publish: test-examples test-dist

test-examples:
	scripts/test-examples $(PUBLISH_M2)

test-dist: dist
	scripts/test-dist $(DIST).tar.gz
