# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The built collection and the execution environments (EE) of docs/awx, with ansible-builder.

Everything ansible-builder does short of the container build: `ansible-builder create` on both example EE
definitions, the galaxy stage of the Containerfile it wrote (its own ansible-galaxy command, run in the
context), and its introspection of what that installed, which must list the dependencies of
meta/execution-environment.yml. The built tarball holds what a user needs and no development file, and
ansible-doc reads the collection from an install of it. No container runtime is needed.
"""

from __future__ import annotations

import glob
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tarfile

import ansible
import pytest
import yaml

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.dirname(sys.executable)
AWX_DOCS = os.path.join(REPO, 'docs', 'awx')
EE_FILES = ('execution-environment.yml', 'execution-environment-apply.yml')
# What ships: the collection's content and its user documentation.
SHIPPED = ('README.md', 'LICENSE', 'CHANGELOG.md', 'changelogs/changelog.yaml', 'meta/runtime.yml',
           'meta/execution-environment.yml', 'meta/ee-requirements.txt', 'meta/ee-bindep.txt', 'playbooks/site.yml',
           'plugins/modules/nftables.py', 'plugins/filter/flows.py', 'plugins/module_utils/engine.py',
           'roles/atea_anywhere/tasks/main.yml', 'roles/atea_anywhere/meta/argument_specs.yml',
           'roles/smb/meta/main.yml', 'docs/platforms/cisco_asa.md', 'docs/awx/execution-environment.yml',
           'docs/awx/survey.json')
# What must not: development, CI, test and lab files (tests/regression, the reviewed references, ships).
DEVELOPMENT = re.compile(r'^(\.ci|\.venv|\.ansible|\.git|\.hypothesis|\.pytest_cache|build|collections|extensions/molecule'
                         r'|changelogs/fragments|tests/(?!regression(/|$))[^/]+)(/|$)'
                         r'|^(Makefile|requirements\.txt|pytest\.ini|ansible\.cfg|\.ansible-lint|\.gitignore|docs/mutation\.md)$'
                         r'|(^|/)__pycache__(/|$)|\.pyc$|\.tar\.gz$')


def _run(command, cwd, env=None):
    """A command of .venv/bin with a clean Ansible environment: no ANSIBLE_* of the caller, no ansible.cfg of the
    checkout (cwd is outside it), HOME in the test's folder so ~/.ansible holds nothing."""
    result = subprocess.run([os.path.join(BIN, command[0])] + list(command[1:]), cwd=str(cwd), env=env,
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, '%s\n%s\n%s' % (' '.join(command), result.stdout, result.stderr)
    return result


def _env(tmp, **extra):
    env = dict((k, v) for k, v in os.environ.items() if not k.startswith('ANSIBLE_'))
    env.update(HOME=str(tmp / 'home'), ANSIBLE_NOCOLOR='1', ANSIBLE_COLLECTIONS_SCAN_SYS_PATH='false', **extra)
    return env


def _galaxy_version():
    with open(os.path.join(REPO, 'galaxy.yml')) as handle:
        return yaml.safe_load(handle)['version']


def _meaningful_lines(path):
    """The requirement lines of a pip or bindep file: without comments and blank lines."""
    with open(path) as handle:
        return [line.strip() for line in handle if line.strip() and not line.lstrip().startswith('#')]


@pytest.fixture(scope='module')
def built(tmp_path_factory):
    """The collection as `ansible-galaxy collection build` makes it, and an install of that tarball."""
    work = tmp_path_factory.mktemp('built')
    (work / 'home').mkdir()
    _run(['ansible-galaxy', 'collection', 'build', REPO, '--output-path', str(work)], work, _env(work))
    tarball, = glob.glob(str(work / 'atea-anywhere-*.tar.gz'))
    assert os.path.basename(tarball) == 'atea-anywhere-%s.tar.gz' % _galaxy_version()
    _run(['ansible-galaxy', 'collection', 'install', tarball, '-p', str(work / 'installed')], work, _env(work))
    return work, tarball


def test_tarball_holds_what_a_user_needs_and_no_development_file(built):
    tarball = built[1]
    with tarfile.open(tarball) as archive:
        members = [m.name[2:] if m.name.startswith('./') else m.name for m in archive.getmembers()]
        regular = [m.name for m in archive.getmembers() if m.isfile()]
        manifest = json.load(archive.extractfile('MANIFEST.json'))['collection_info']
    files = set(members)
    assert not [name for name in SHIPPED if name not in files]
    assert sorted(name for name in members if DEVELOPMENT.search(name)) == []
    # Nothing but the checkout's own files: no stray local output (ansible-galaxy adds only its two metadata files).
    listed = subprocess.run(['git', 'ls-files', '--cached', '--others', '--exclude-standard'], cwd=REPO,
                            capture_output=True, text=True, check=True).stdout.splitlines()
    assert sorted(set(regular) - set(listed) - {'MANIFEST.json', 'FILES.json'}) == []
    # No invented addresses: galaxy.yml names no repository, documentation, homepage or issue tracker.
    assert [manifest[key] for key in ('repository', 'documentation', 'homepage', 'issues')] == [None] * 4
    with open(os.path.join(REPO, 'galaxy.yml')) as handle:
        assert 'example.invalid' not in handle.read()


def test_ansible_doc_reads_the_installed_collection(built):
    work = built[0]
    installed = work / 'installed'
    result = _run(['ansible-doc', '-t', 'module', 'atea.anywhere.nftables'], work,
                  _env(work, ANSIBLE_COLLECTIONS_PATH=str(installed)))
    assert str(installed / 'ansible_collections' / 'atea' / 'anywhere' / 'plugins' / 'modules' / 'nftables.py') in result.stdout
    assert 'OPTIONS' in result.stdout and 'placement' in result.stdout


def test_introspection_lists_the_dependencies_of_meta(built):
    """ansible-builder introspect on an install of the built collection finds meta/execution-environment.yml's
    files; without it, it would look for requirements.txt and bindep.txt at the root, which do not ship."""
    work = built[0]
    with open(os.path.join(REPO, 'meta', 'execution-environment.yml')) as handle:
        meta = yaml.safe_load(handle)
    assert meta['version'] == 1
    python = _meaningful_lines(os.path.join(REPO, meta['dependencies']['python']))
    system = _meaningful_lines(os.path.join(REPO, meta['dependencies']['system']))
    assert 'netaddr' in python
    assert {'openssh-clients [platform:rpm]', 'openssh-client [platform:dpkg]'} <= set(system)
    pip_out, bindep_out = work / 'introspected-requirements.txt', work / 'introspected-bindep.txt'
    result = _run(['ansible-builder', 'introspect', str(work / 'installed'), '--write-pip', str(pip_out),
                   '--write-bindep', str(bindep_out)], work, _env(work))
    data = yaml.safe_load(result.stdout)
    assert data['python'] == ['%s  # from collection atea.anywhere' % line for line in python]
    assert data['system'] == ['%s  # from collection atea.anywhere' % line for line in system]
    assert _meaningful_lines(str(pip_out)) == data['python']
    assert _meaningful_lines(str(bindep_out)) == data['system']


def _create(tmp_path, tarball, definition):
    """ansible-builder create on a copy of docs/awx with the built tarball beside the definition, as docs/awx.md
    says (ansible-galaxy collection build --output-path docs/awx)."""
    ee = tmp_path / 'ee'
    if not ee.exists():
        shutil.copytree(AWX_DOCS, str(ee))
        shutil.copy(tarball, str(ee))
    context = tmp_path / ('context-' + definition.split('.')[0])
    _run(['ansible-builder', 'create', '-f', str(ee / definition), '-c', str(context),
          '--output-filename', 'Containerfile'], tmp_path, _env(tmp_path))
    with open(str(context / 'Containerfile')) as handle:
        return ee, context, handle.read()


def _tested_pins():
    with open(os.path.join(REPO, 'requirements.txt')) as handle:
        return dict(line.strip().split('==') for line in handle if re.match(r'^(ansible-core|ansible-runner)==', line))


@pytest.mark.parametrize('definition', EE_FILES)
def test_builder_create_puts_the_collection_and_its_requirements_in_the_context(built, tmp_path, definition):
    tarball = built[1]
    (tmp_path / 'home').mkdir()
    ee, context, containerfile = _create(tmp_path, tarball, definition)
    with open(str(ee / definition)) as handle:
        spec = yaml.safe_load(handle)
    # The ansible-core and ansible-runner the collection is tested with.
    pins = _tested_pins()
    assert 'ARG ANSIBLE_INSTALL_REFS="ansible-core==%s ansible-runner==%s"' % (
        pins['ansible-core'], pins['ansible-runner']) in containerfile
    assert 'ARG EE_BASE_IMAGE="%s"' % spec['images']['base_image']['name'] in containerfile
    # The tarball built from this checkout, under the name the galaxy requirements give.
    name = os.path.basename(tarball)
    with open(tarball, 'rb') as original, open(str(context / '_build' / 'collections' / name), 'rb') as copied:
        assert copied.read() == original.read()
    with open(str(context / '_build' / 'requirements.yml')) as handle:
        galaxy = yaml.safe_load(handle)['collections']
    assert {'name': 'collections/' + name, 'type': 'file'} in galaxy
    assert 'ansible-galaxy collection install $ANSIBLE_GALAXY_CLI_COLLECTION_OPTS -r requirements.yml' in containerfile
    if 'python' in spec['dependencies']:
        assert _meaningful_lines(str(context / '_build' / 'requirements.txt')) == _meaningful_lines(
            str(ee / spec['dependencies']['python']))


def test_galaxy_stage_of_the_containerfile_installs_the_collection_and_introspection_finds_its_dependencies(
        built, tmp_path):
    """The galaxy stage's own command, run in the context (its WORKDIR /build is the context's _build), into a
    folder that stands in for /usr/share/ansible/collections; then the introspection the builder stage runs."""
    tarball = built[1]
    (tmp_path / 'home').mkdir()
    context, containerfile = _create(tmp_path, tarball, 'execution-environment.yml')[1:]
    command, = [line for line in containerfile.splitlines() if ' ansible-galaxy collection install ' in line]
    argv = shlex.split(command.replace('RUN ', '', 1).replace('$ANSIBLE_GALAXY_CLI_COLLECTION_OPTS ', ''))
    environ = dict(item.split('=', 1) for item in argv if re.match(r'^[A-Z_]+=', item))
    argv = [item for item in argv if not re.match(r'^[A-Z_]+=', item)]
    target = tmp_path / 'usr-share-ansible-collections'
    assert argv[argv.index('--collections-path') + 1] == '/usr/share/ansible/collections'
    argv[argv.index('--collections-path') + 1] = str(target)
    _run(argv, context / '_build', _env(tmp_path, **environ))
    assert os.listdir(str(target / 'ansible_collections')) == ['atea']
    assert 'introspect --write-bindep=/tmp/src/bindep.txt --write-pip=/tmp/src/requirements.txt' in containerfile
    result = _run(['python', str(context / '_build' / 'scripts' / 'introspect.py'), 'introspect', str(target)],
                  tmp_path, _env(tmp_path))
    data = yaml.safe_load(result.stdout)
    assert 'netaddr  # from collection atea.anywhere' in data['python']
    assert 'openssh-clients [platform:rpm]  # from collection atea.anywhere' in data['system']


def test_apply_set_covers_every_vendor_collection_the_apply_tasks_use_at_the_tested_versions():
    """docs/awx/requirements-apply.yml names each collection whose modules the apply task files call, at the version
    the ansible package of requirements.txt ships (the one the apply tests run)."""
    used = set()
    for path in glob.glob(os.path.join(REPO, 'roles', 'atea_anywhere', 'tasks', 'platforms', 'apply', '*.yml')):
        with open(path) as handle:
            used.update(re.findall(r'^\s*-?\s*([a-z0-9_]+\.[a-z0-9_]+)\.[a-z0-9_]+:', handle.read(), re.M))
    used.discard('ansible.builtin')
    with open(os.path.join(AWX_DOCS, 'requirements-apply.yml')) as handle:
        wanted = dict((entry['name'], entry.get('version')) for entry in yaml.safe_load(handle)['collections'])
    assert used and used <= set(wanted)
    shipped = os.path.join(os.path.dirname(os.path.dirname(ansible.__file__)), 'ansible_collections')
    for name, version in wanted.items():
        if name.startswith('collections/'):
            assert name == 'collections/atea-anywhere-%s.tar.gz' % _galaxy_version()
            continue
        with open(os.path.join(shipped, *name.split('.'), 'MANIFEST.json')) as handle:
            assert json.load(handle)['collection_info']['version'] == version, name
