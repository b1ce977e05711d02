# The two commands of the README:
#   make run   set up, then run the main job (site.yml, profile smb) on the embedded lab default
#   make test  set up, then run every test, lint and sanity check
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
export PATH := $(BIN):$(PATH)
COLLECTION_LINK := .ansible/collections/ansible_collections/atea/anywhere
# Outside the checkout: inside it, ansible-test would ask git and find the copy ignored.
SANITY_BASE := $(or $(TMPDIR),/tmp)/atea-anywhere-sanity
SANITY_ROOT := $(SANITY_BASE)/ansible_collections/atea/anywhere
PROFILE ?= smb

.PHONY: run test setup system-packages python-packages link units lint sanity changelog-lint molecule benchmark clean mutation

LAB := $(BIN)/python tests/lab/lab.py
LAB_PREFIX ?= aa

# The main job on the embedded lab default: build the lab, apply the profile, probe it, tear it down
# (also when a step fails).
run: setup
	$(LAB) down --prefix $(LAB_PREFIX) >/dev/null 2>&1 || true
	$(LAB) up --prefix $(LAB_PREFIX) --plant-voip-helpers
	trap '$(LAB) down --prefix $(LAB_PREFIX)' EXIT; \
	ansible-playbook -i build/lab/$(LAB_PREFIX)/inventory.json playbooks/site.yml -e profile=$(PROFILE) && \
	$(LAB) probe --prefix $(LAB_PREFIX) --profile $(PROFILE)

test: setup units lint changelog-lint sanity molecule

setup: system-packages python-packages link

# Only what is missing is installed: a machine that has it all needs no network.
# openssh-server and -client: the lockout test reaches a lab firewall over real SSH.
# firewalld, ufw and dbus-daemon: the Linux manager scenarios run them inside lab namespaces only.
# chromium: the compliance report's HTML page is opened in a real (headless) browser by a test.
SYSTEM_PACKAGES := git iproute2 nftables iptables util-linux procps openssh-server openssh-client \
	firewalld ufw dbus-daemon chromium
# A policy-rc.d that answers 101 keeps the packages' scripts from starting sshd, dbus or a firewall
# on the machine itself (invoke-rc.d(8)); one that was there before is left as it was.
POLICY_RC := /usr/sbin/policy-rc.d
system-packages:
	@missing=""; for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		own_policy=""; if [ ! -e $(POLICY_RC) ]; then printf '#!/bin/sh\nexit 101\n' > $(POLICY_RC); \
			chmod 755 $(POLICY_RC); own_policy=1; fi; \
		trap '[ -z "$$own_policy" ] || rm -f $(POLICY_RC)' EXIT; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements.txt
	touch $@

python-packages: $(VENV)/.installed

# The checkout serves as the collection atea.anywhere (ansible.cfg points collections_path here).
link:
	@mkdir -p $(dir $(COLLECTION_LINK))
	@ln -sfn ../../../.. $(COLLECTION_LINK)

units:
	$(BIN)/python -m pytest tests/unit tests/functional

lint:
	ansible-lint --profile production

changelog-lint:
	antsibull-changelog lint

# Every scenario of extensions/molecule on the namespace lab (root).
molecule:
	molecule test --all

# ansible-test needs the collection at ansible_collections/atea/anywhere: test a copy of the tree.
# ansible-test installs its own pinned tools: a venv of their own keeps them apart from ansible-lint's.
SANITY_VENV := $(CURDIR)/build/sanity-venv
$(SANITY_VENV)/bin/ansible-test: requirements.txt
	$(PYTHON) -m venv $(SANITY_VENV)
	$(SANITY_VENV)/bin/python -m pip install -q --upgrade pip
	$(SANITY_VENV)/bin/python -m pip install -q $$(grep -E '^(ansible-core|netaddr)==' requirements.txt)

# ansible-test fetches get-pip.py from a host of its own; give it a stand-in that uses the package index.
GET_PIP_VERSION = $(shell $(SANITY_VENV)/bin/python -c "import inspect, re; \
	from ansible_test._internal import python_requirements as r; \
	print(re.search(r\"pip='([0-9.]+)'\", inspect.getsource(r.get_venv_packages)).group(1).replace('.', '_'))")

sanity: $(SANITY_VENV)/bin/ansible-test
	mkdir -p $(HOME)/.ansible/test/cache
	cp tests/utils/get_pip_from_index.py $(HOME)/.ansible/test/cache/get_pip_$(GET_PIP_VERSION).py
	rm -rf $(SANITY_BASE) && mkdir -p $(SANITY_ROOT)
	git ls-files -z --cached --others --exclude-standard | tar --null -T - -cf - | tar -xf - -C $(SANITY_ROOT)
	cd $(SANITY_ROOT) && $(SANITY_VENV)/bin/ansible-test sanity --requirements --python 3.11 --color no

clean:
	rm -rf build .ansible $(VENV) $(SANITY_BASE)

# Figures for the README (root): the converge on one lab host, a fleet of 1, 10 and 50 bare firewall namespaces, and
# render mode for 500 hosts, FortiOS apply against its stand-in; each builds and removes its own namespaces. Prints
# figures, asserts nothing.
benchmark: setup
	$(BIN)/python tests/benchmark/converge_benchmark.py
	$(BIN)/python tests/benchmark/fleet_benchmark.py
	$(BIN)/python tests/benchmark/render_benchmark.py
	$(BIN)/python tests/benchmark/fortios_benchmark.py

# Plants each bug of tests/mutation/mutations.py in a copy of HEAD, rewrites the references with its output and
# checks that the unit tests still fail (docs/mutation.md); not part of make test.
mutation: python-packages
	$(BIN)/python tests/mutation/mutate.py
