# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The repository as an AWX project, and the survey and job template of docs/awx.

A copy of the checkout's files without the `make setup` link goes through what AWX does with a project
(ansible/awx at e21dd0a0933fd544d1fe2513c54fe41203775eb5): the project update runs, in the project folder,
`ansible-galaxy collection install -r <project>/collections/requirements.yml` with ANSIBLE_COLLECTIONS_PATHS set
to its cache (awx/playbooks/project_update.yml); the job then runs with ANSIBLE_COLLECTIONS_PATH and
ANSIBLE_COLLECTIONS_PATHS built by RunJob.build_env (awx/main/tasks/jobs.py): the installed requirements first,
then the project's ansible.cfg value, then the defaults. site.yml passes its syntax check and renders a
localhost-only inventory from that copy.

The survey is checked with the rules AWX's API applies to a survey spec (JobTemplateSurveySpec._validate_spec_data,
awx/api/views/__init__.py) and against the role's argument specification, so its choices cannot drift.
"""

from __future__ import annotations

import configparser
import json
import os
import shutil
import subprocess
import sys

import pytest
import yaml

from ansible_collections.atea.anywhere.plugins.module_utils import engine, requirements

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.dirname(sys.executable)
AWX_DOCS = os.path.join(REPO, 'docs', 'awx')
# awx/main/constants.py
SURVEY_TYPE_MAPPING = {'text': str, 'textarea': str, 'password': str, 'multiplechoice': str, 'multiselect': str,
                       'integer': int, 'float': (float, int)}
COLLECTIONS_DEFAULT = '~/.ansible/collections:/usr/share/ansible/collections'
INVENTORY = 'all:\n  hosts:\n    asa-1:\n      ansible_connection: local\n      atea_anywhere_platform: cisco_asa\n'


def _ansible(command, cwd, env):
    return subprocess.run([os.path.join(BIN, command[0])] + list(command[1:]), cwd=str(cwd), env=env,
                          capture_output=True, text=True, check=False)


def _clean_env(tmp, **extra):
    """No ANSIBLE_* of the caller; HOME in the test's folder, so ~/.ansible/collections holds nothing."""
    env = dict((k, v) for k, v in os.environ.items() if not k.startswith('ANSIBLE_'))
    env.update(HOME=str(tmp / 'home'), ANSIBLE_NOCOLOR='1', ANSIBLE_FORCE_COLOR='false', **extra)
    return env


def _job_collections_path(project, requirements_collections, config_setting):
    """RunJob.build_env's path_vars loop for one variable, as AWX writes it: the project's ansible.cfg value goes
    before the defaults, the installed requirements before everything."""
    parser = configparser.ConfigParser()
    parser.read(str(project / 'ansible.cfg'))
    config_values = dict(parser['defaults']) if parser.has_section('defaults') else {}
    paths = COLLECTIONS_DEFAULT.split(':')
    if config_setting in config_values:
        for path in config_values[config_setting].split(':'):
            if path not in paths:
                paths = [config_values[config_setting]] + paths
    return os.pathsep.join([str(requirements_collections)] + paths)


@pytest.fixture(scope='module')
def awx_project(tmp_path_factory):
    """The project folder after an AWX project update, and the environment of a job run in it."""
    tmp = tmp_path_factory.mktemp('awx')
    (tmp / 'home').mkdir()
    project = tmp / 'project'
    listed = subprocess.run(['git', 'ls-files', '-z', '--cached', '--others', '--exclude-standard'], cwd=REPO,
                            capture_output=True, text=True, check=True).stdout.split('\0')
    for name in filter(None, listed):
        source = os.path.join(REPO, name)
        if os.path.isfile(source) and not os.path.islink(source):
            os.makedirs(os.path.dirname(str(project / name)), exist_ok=True)
            shutil.copy2(source, str(project / name))
    assert not (project / '.ansible').exists()
    cache = tmp / 'cache'
    requirements_collections = cache / 'requirements_collections'
    # Before the update nothing provides atea.anywhere: the copy has no link and HOME is empty.
    before = _ansible(['ansible-doc', '-t', 'module', 'atea.anywhere.nftables'], project, _clean_env(tmp))
    assert not before.stdout.strip() and 'not found' in before.stderr, before.stdout + before.stderr
    update = _ansible(['ansible-galaxy', 'collection', 'install', '-r', str(project / 'collections' / 'requirements.yml')],
                      project, _clean_env(tmp, ANSIBLE_COLLECTIONS_PATHS=str(requirements_collections),
                                          ANSIBLE_ROLES_PATH=str(cache / 'requirements_roles'),
                                          ANSIBLE_LOCAL_TEMP=str(cache / 'tmp')))
    assert update.returncode == 0, update.stdout + update.stderr
    assert "atea.anywhere:" in update.stdout and 'was installed successfully' in update.stdout, update.stdout
    job_env = _clean_env(tmp, ANSIBLE_COLLECTIONS_PATH=_job_collections_path(
        project, requirements_collections, 'collections_path'),
        ANSIBLE_COLLECTIONS_PATHS=_job_collections_path(
        project, requirements_collections, 'collections_paths'))
    return tmp, project, job_env


def test_project_update_installs_the_collection_the_job_then_uses(awx_project):
    tmp, project, job_env = awx_project
    doc = _ansible(['ansible-doc', '-t', 'module', 'atea.anywhere.nftables'], project, job_env)
    assert doc.returncode == 0, doc.stdout + doc.stderr
    path = doc.stdout.split('(', 1)[1].split(')', 1)[0]
    # A real install under the test's folder (the project's .ansible/collections with ansible-core 2.19, which
    # reads only ANSIBLE_COLLECTIONS_PATH; the requirements cache with older cores), not the checkout.
    assert os.path.realpath(path).startswith(str(tmp) + os.sep), path
    assert not os.path.islink(os.path.dirname(os.path.dirname(os.path.dirname(path))))


def test_site_syntax_check_and_render_mode_from_the_project(awx_project):
    tmp, project, job_env = awx_project
    syntax = _ansible(['ansible-playbook', '--syntax-check', 'playbooks/site.yml'], project, job_env)
    assert syntax.returncode == 0, syntax.stdout + syntax.stderr
    inventory = tmp / 'inventory.yml'
    inventory.write_text(INVENTORY)
    out = tmp / 'rendered'
    run = _ansible(['ansible-playbook', '-i', str(inventory), 'playbooks/site.yml', '-e', 'profile=smb',
                    '-e', 'atea_anywhere_render_dir=%s' % out], project, job_env)
    assert run.returncode == 0, run.stdout + run.stderr
    assert 'failed=0' in run.stdout
    config = (out / 'asa-1.asa.cfg').read_text()
    assert 'access-list' in config and '88.151.163.0' in config


def _load_survey():
    with open(os.path.join(AWX_DOCS, 'survey.json')) as handle:
        return json.load(handle)


def _role_options():
    with open(os.path.join(REPO, 'roles', 'atea_anywhere', 'meta', 'argument_specs.yml')) as handle:
        return yaml.safe_load(handle)['argument_specs']['main']['options']


def test_survey_is_a_survey_spec_awx_accepts():
    """The checks of JobTemplateSurveySpec._validate_spec_data: a spec AWX's API would answer 400 to fails here."""
    survey = _load_survey()
    for field, kind in (('name', str), ('description', str), ('spec', list)):
        assert isinstance(survey.get(field), kind), field
    assert survey['spec']
    variables = [item['variable'] for item in survey['spec']]
    assert len(variables) == len(set(variables))
    for item in survey['spec']:
        for field in ('type', 'question_name', 'variable'):
            assert isinstance(item.get(field), str), (item, field)
        assert isinstance(item.get('required'), bool), item
        assert item['type'] in SURVEY_TYPE_MAPPING, item
        if item.get('default', '') != '':
            assert isinstance(item['default'], SURVEY_TYPE_MAPPING[item['type']]), item
        for key in ('min', 'max'):
            assert item.get(key) is None or isinstance(item[key], int), item
        if item['type'] in ('multiplechoice', 'multiselect'):
            assert item.get('choices'), item
            defaults = item.get('default', '').splitlines()
            assert all(default in item['choices'] for default in defaults), item
            assert item['type'] == 'multiselect' or len(defaults) <= 1, item
        if item['required']:
            # A required question without a default stops every launch until answered; each has one.
            assert item.get('default', '') != '', item


def test_survey_asks_what_the_role_takes_with_its_choices():
    survey = dict((item['variable'], item) for item in _load_survey()['spec'])
    options = _role_options()
    assert set(survey) == {'profile', 'atea_anywhere_components', 'atea_anywhere_customer_networks',
                           'atea_anywhere_mode', 'atea_anywhere_platform'}
    for variable, item in survey.items():
        if variable == 'profile':
            continue
        assert variable in options, variable
        if 'choices' in options[variable]:
            assert item['choices'] == options[variable]['choices'], variable
            assert item.get('default', options[variable]['default']) == options[variable]['default'], variable
    # profile is site.yml's: the profile roles, as the collection's requirement data names them.
    assert sorted(survey['profile']['choices']) == sorted(requirements.PROFILES)
    assert all(os.path.isdir(os.path.join(REPO, 'roles', name)) for name in survey['profile']['choices'])
    # Components: every document section, by the numbers the role takes.
    assert survey['atea_anywhere_components']['choices'] == [section.number for section in requirements.SECTIONS]
    assert set(survey['atea_anywhere_components']['choices']) <= set(engine.COMPONENT_CHOICES)
    # The customer networks are a comma-separated text (a survey has no list type; the argument spec validator
    # splits a string at commas): its default is the role's default.
    networks = survey['atea_anywhere_customer_networks']
    assert options['atea_anywhere_customer_networks']['type'] == 'list'
    assert networks['default'].split(',') == options['atea_anywhere_customer_networks']['default']
    # Unanswered, the platform question passes nothing: each host keeps its inventory value.
    assert 'default' not in survey['atea_anywhere_platform'] and not survey['atea_anywhere_platform']['required']


def test_job_template_example_uses_only_options_the_awx_modules_have(tmp_path):
    with open(os.path.join(AWX_DOCS, 'job_template.yml')) as handle:
        play, = yaml.safe_load(handle)
    tasks = dict((name, args) for task in play['tasks'] for name, args in task.items() if name.startswith('awx.awx.'))
    assert set(tasks) == {'awx.awx.execution_environment', 'awx.awx.project', 'awx.awx.job_template'}
    (tmp_path / 'home').mkdir()
    docs = _ansible(['ansible-doc', '-j', '-t', 'module'] + sorted(tasks), tmp_path, _clean_env(tmp_path))
    assert docs.returncode == 0, docs.stderr
    for name, doc in json.loads(docs.stdout).items():
        known = set()
        for option, spec in doc['doc']['options'].items():
            known.update([option] + list(spec.get('aliases', [])))
        assert set(tasks[name]) <= known, (name, set(tasks[name]) - known)
    template = tasks['awx.awx.job_template']
    assert template['playbook'] == 'playbooks/site.yml' and os.path.isfile(os.path.join(REPO, template['playbook']))
    assert "lookup('ansible.builtin.file', 'survey.json')" in template['survey_spec'] and template['survey_enabled']
    assert tasks['awx.awx.project']['scm_type'] == 'git'


def test_checkout_ansible_cfg_finds_a_collection_installed_the_usual_way(awx_project, tmp_path):
    """Without the `make setup` link and without ANSIBLE_COLLECTIONS_PATH, the checkout's ansible.cfg still finds
    atea.anywhere where ansible-galaxy installs by default (~/.ansible/collections)."""
    tmp, project = awx_project[:2]
    # Where the project update put it (the project's .ansible/collections or the requirements cache).
    installed, = [os.path.join(root, 'ansible_collections') for root, dirs, unused in os.walk(str(tmp))
                  if 'ansible_collections' in dirs]
    home = tmp_path / 'home'
    shutil.copytree(installed, str(home / '.ansible' / 'collections' / 'ansible_collections'))
    shutil.copy(str(project / 'ansible.cfg'), str(tmp_path / 'ansible.cfg'))
    doc = _ansible(['ansible-doc', '-t', 'module', 'atea.anywhere.nftables'], tmp_path, _clean_env(tmp_path))
    assert doc.returncode == 0 and str(home / '.ansible' / 'collections') in doc.stdout, doc.stdout + doc.stderr
