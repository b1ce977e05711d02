# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Mutation check: do the tests still fail when a bug is planted and the references are rewritten to match it?

For each bug of mutations.py, in a throwaway copy of a commit (HEAD unless --rev): plant it, run the reference
tests and copy every tests/regression/**/<name>.actual over its <name>.ref (what a hurried change does when they
fail), then run the unit tests. A bug the unit tests then pass has survived. Prints a table, exits 1 if one
survived; the checkout is never touched. docs/mutation.md explains the choices.

    .venv/bin/python tests/mutation/mutate.py [--only NAME ...] [--list] [--rev REV] [--first-failure]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

from mutations import MUTATIONS  # the list of bugs, beside this file

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
REFERENCES = os.path.join('tests', 'regression')
# The suite's checks that read the rendered rules; tests/functional (playbooks and vendor parsers, ~26 minutes)
# is left out to keep a run of every bug in minutes.
TESTS = ['tests/unit']
# It compares the examples of docs/platforms/*.md with the references: a rewritten reference fails it whatever
# the bug, so a failure there says nothing about the rules.
NOT_INDEPENDENT = ['tests/unit/test_platform_docs.py']
# One hypothesis seed for every run: the property-based tests try the same examples with and without a bug, so
# an example that fails by chance (not by the bug) shows in the baseline run instead of as a catch.
PYTEST_OPTIONS = ['-q', '-p', 'no:cacheprovider', '-rfE', '--hypothesis-seed=0']
PYTEST = [sys.executable, '-m', 'pytest']
_OUTCOME = re.compile(r'^(?:FAILED|ERROR) (\S+)')


def anchor_problems(mutation, text):
    """Why mutation cannot be planted in text, or None: its anchor must occur exactly once."""
    count = text.count(mutation.before)
    if count == 1:
        return None
    return '%s: the text to replace occurs %d times in %s (expected once)' % (mutation.name, count, mutation.path)


def resolve(rev):
    """The commit rev names now (None if none): every bug goes into the same commit while others may commit."""
    found = subprocess.run(['git', '-C', REPO, 'rev-parse', '--verify', '--quiet', '%s^{commit}' % rev],
                           capture_output=True, text=True, check=False)
    return found.stdout.strip() if found.returncode == 0 else None


def committed_text(rev, path):
    return subprocess.run(['git', '-C', REPO, 'show', '%s:%s' % (rev, path)], capture_output=True, text=True,
                          check=True).stdout


def export(rev, into):
    """The tracked files of rev, written to into (git archive: no .git, nothing ignored or uncommitted)."""
    with subprocess.Popen(['git', '-C', REPO, 'archive', '--format=tar', rev], stdout=subprocess.PIPE) as archive:
        subprocess.run(['tar', '-x', '-C', into], stdin=archive.stdout, check=True)
    if archive.returncode:
        raise RuntimeError('git archive %s failed' % rev)


def plant(copy, mutation):
    path = os.path.join(copy, mutation.path)
    with open(path, encoding='utf-8') as handle:
        text = handle.read()
    problem = anchor_problems(mutation, text)
    if problem:
        raise RuntimeError(problem)
    with open(path, 'w', encoding='utf-8') as handle:
        handle.write(text.replace(mutation.before, mutation.after))


def reference_tests(copy):
    """The unit test files that compare output with the references (those calling check_reference)."""
    found = []
    for folder, _dirs, files in os.walk(os.path.join(copy, 'tests', 'unit')):
        for name in files:
            path = os.path.join(folder, name)
            if name.endswith('.py'):
                with open(path, encoding='utf-8') as handle:
                    if 'check_reference(' in handle.read():
                        found.append(os.path.relpath(path, copy))
    return sorted(found)


def rewrite_references(copy):
    """Run the reference tests and move every <name>.actual they leave over <name>.ref; the references moved."""
    subprocess.run(PYTEST + PYTEST_OPTIONS + reference_tests(copy), cwd=copy, capture_output=True, check=False)
    moved = []
    for folder, _dirs, files in os.walk(os.path.join(copy, REFERENCES)):
        for name in sorted(files):
            if name.endswith('.actual'):
                actual = os.path.join(folder, name)
                os.replace(actual, actual[:-len('.actual')] + '.ref')
                moved.append(os.path.relpath(actual, os.path.join(copy, REFERENCES))[:-len('.actual')])
    return moved


def suite_options(first_failure):
    return PYTEST_OPTIONS + (['-x'] if first_failure else []) + ['--ignore=%s' % path for path in NOT_INDEPENDENT] + TESTS


def run_tests(copy, first_failure):
    """(pytest exit code, ids of the failed tests, its output) of the unit tests in the copy."""
    run = subprocess.run(PYTEST + suite_options(first_failure), cwd=copy, capture_output=True, text=True, check=False)
    failed = [match.group(1) for match in map(_OUTCOME.match, run.stdout.splitlines()) if match]
    if run.returncode not in (0, 1) and not failed:
        raise RuntimeError('pytest exited %d:\n%s%s' % (run.returncode, run.stdout[-3000:], run.stderr[-3000:]))
    return run.returncode, failed, run.stdout


def check(mutation, rev, first_failure):
    """Plant mutation in a copy of rev, rewrite the references, run the tests: a row of the table."""
    started = time.monotonic()
    copy = tempfile.mkdtemp(prefix='atea-mutation-')
    try:
        export(rev, copy)
        if mutation is not None:
            plant(copy, mutation)
        moved = rewrite_references(copy)
        returncode, failed, output = run_tests(copy, first_failure)
    finally:
        shutil.rmtree(copy)
    return {'mutation': mutation, 'moved': moved, 'caught': returncode != 0, 'failed': failed, 'output': output,
            'seconds': time.monotonic() - started}


def _failures_by_file(failed):
    files = {}
    for test_id in failed:
        path = os.path.basename(test_id.split('::')[0])
        files[path] = files.get(path, 0) + 1
    return ', '.join('%s (%d)' % item for item in files.items()) or '-'


def table(rows):
    lines = ['| mutation | file | what it plants | references rewritten | result | failed tests per file | first failure '
             '| time |', '|---|---|---|---|---|---|---|---|']
    for row in rows:
        mutation = row['mutation']
        lines.append('| %s | %s | %s | %d | %s | %s | %s | %.0f s |' % (
            mutation.name, os.path.basename(mutation.path), mutation.plants, len(row['moved']),
            'caught' if row['caught'] else '**SURVIVED**', _failures_by_file(row['failed']),
            '`%s`' % row['failed'][0].split('/')[-1] if row['failed'] else '-', row['seconds']))
    return '\n'.join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n', 1)[0])
    parser.add_argument('--only', action='append', metavar='NAME', choices=[m.name for m in MUTATIONS],
                        help='run this mutation only (repeatable)')
    parser.add_argument('--list', action='store_true', help='list the mutations and check that each applies')
    parser.add_argument('--rev', default='HEAD', help='the commit to plant the bugs in (default HEAD)')
    parser.add_argument('--first-failure', action='store_true',
                        help='stop the tests at the first failure (pytest -x): faster, but shows one catch only')
    parser.add_argument('--no-baseline', action='store_true', help='skip the run without a bug planted')
    args = parser.parse_args(argv)
    commit = resolve(args.rev)
    if commit is None:
        parser.error('--rev %s names no commit' % args.rev)
    args.rev = commit
    chosen = [m for m in MUTATIONS if not args.only or m.name in args.only]
    problems = [problem for problem in (anchor_problems(m, committed_text(args.rev, m.path)) for m in chosen) if problem]
    if args.list:
        for mutation in chosen:
            print('%-32s %-22s %s' % (mutation.name, os.path.basename(mutation.path), mutation.plants))
    if problems:
        print('\n'.join(['mutations.py does not fit the code of %s:' % args.rev] + problems), file=sys.stderr)
        return 2
    if args.list:
        return 0
    command = ' '.join(['pytest'] + suite_options(args.first_failure))
    print('Tests run per mutation, in a copy of commit %s with the references rewritten: %s' % (args.rev, command),
          flush=True)
    started = time.monotonic()
    if not args.no_baseline:
        baseline = check(None, args.rev, args.first_failure)
        if baseline['caught'] or baseline['moved']:
            print('%s\nWithout a bug planted the tests fail (%s) or references change (%s): fix that first.'
                  % (baseline['output'][-5000:], ', '.join(baseline['failed']), ', '.join(baseline['moved'])),
                  file=sys.stderr)
            return 2
        print('baseline: tests pass, references unchanged (%.0f s)' % baseline['seconds'], flush=True)
    rows = []
    for mutation in chosen:
        rows.append(check(mutation, args.rev, args.first_failure))
        print('%s: %s (%.0f s)' % (mutation.name, 'caught' if rows[-1]['caught'] else 'SURVIVED',
                                   rows[-1]['seconds']), flush=True)
    survived = [row['mutation'].name for row in rows if not row['caught']]
    print('\n' + table(rows) + '\n')
    print('%d mutations, %d caught, %d survived%s; total time %.0f s' % (
        len(rows), len(rows) - len(survived), len(survived), (': ' + ', '.join(survived)) if survived else '',
        time.monotonic() - started))
    return 1 if survived else 0


if __name__ == '__main__':
    sys.exit(main())
