"""`vigil validate` as a user runs it: files, directories (as `kubectl apply -f DIR`), `-R`, standard input,
and a clear message for each way a path cannot be read. No cluster needed.

Binary: ``TEST_VIGIL_BIN`` (default ``<repo>/.build/debug/vigil``).
"""
import os
import shutil
import subprocess
import tempfile
from pathlib import Path


from test_vigil_e2e import vigil_binary

REPO = Path(__file__).resolve().parent.parent

GOOD = """apiVersion: vigil.dev/v1alpha1
kind: NamespacePolicy
metadata: {name: %s, namespace: demo}
spec:
  policies:
    - name: ttl
      condition: {ttl: 1h}
      action: {deleteNamespace: {}}
"""

BAD = """apiVersion: vigil.dev/v1alpha1
kind: NamespacePolicy
metadata: {name: broken, namespace: demo}
spec:
  policies:
    - name: p
      condition: {}
      action: {deleteNamespace: {}}
"""


def validate(*args, stdin: bytes | None = None, cwd: Path | None = None):
    p = subprocess.run([str(vigil_binary()), "validate", *args], input=stdin, capture_output=True,
                       cwd=cwd, timeout=60)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def test_the_readme_example_validates_the_samples_directory():
    rc, out, err = validate("-f", "config/samples/", cwd=REPO)
    assert rc == 0, (out, err)
    n = len([f for f in (REPO / "config/samples").iterdir() if f.suffix in (".yaml", ".yml", ".json")])
    assert n >= 3
    assert f"{n} resources valid" in out
    assert "NSCocoaErrorDomain" not in out + err


def test_a_directory_reads_yaml_yml_and_json_and_skips_other_files_and_subdirectories(tmp_path):
    (tmp_path / "a.yaml").write_text(GOOD % "a")
    (tmp_path / "b.yml").write_text(GOOD % "b")
    (tmp_path / "c.json").write_text(
        '{"apiVersion":"vigil.dev/v1alpha1","kind":"NamespacePolicy","metadata":{"name":"c","namespace":"demo"},'
        '"spec":{"policies":[{"name":"t","condition":{"ttl":"1h"},"action":{"deleteNamespace":{}}}]}}')
    (tmp_path / "notes.txt").write_text(BAD)        # not a manifest ending: ignored, as kubectl does
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "deep.yaml").write_text(BAD)  # only with -R
    rc, out, err = validate("-f", str(tmp_path))
    assert rc == 0, (out, err)
    assert "3 resources valid" in out

    rc, out, err = validate("-R", "-f", str(tmp_path))
    assert rc == 1, (out, err)
    assert f"{tmp_path}/sub/deep.yaml: document 1 (NamespacePolicy demo/broken): spec.policies[0].condition: " \
           "exactly one of ttl, expiresAt, podsSucceeded must be set" in out
    assert "1 problem in 4 resources" in out


def test_standard_input(tmp_path):
    rc, out, err = validate("-f", "-", stdin=(GOOD % "from-stdin").encode())
    assert rc == 0, (out, err)
    assert "1 resource valid" in out
    rc, out, err = validate("-f", "-", stdin=BAD.encode())
    assert rc == 1
    assert out.startswith("<stdin>: document 1 (NamespacePolicy demo/broken): spec.policies[0].condition: ")


def test_each_unreadable_path_is_named_with_what_is_wrong_and_the_rest_is_still_checked(tmp_path):
    (tmp_path / "good.yaml").write_text(GOOD % "good")
    latin1 = b"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: caf\xe9}\n"
    (tmp_path / "latin1.yaml").write_bytes(latin1)
    (tmp_path / "empty-dir").mkdir()
    rc, out, err = validate("-f", str(tmp_path / "missing.yaml"), str(tmp_path / "latin1.yaml"),
                            str(tmp_path / "empty-dir"), str(tmp_path / "good.yaml"))
    assert rc == 2, (out, err)
    assert f"vigil validate: {tmp_path}/missing.yaml: not found" in err
    assert f"vigil validate: {tmp_path}/latin1.yaml: not UTF-8 text (invalid byte at offset {latin1.index(0xe9)})" in err
    assert f"vigil validate: {tmp_path}/empty-dir: a directory with no .yaml, .yml or .json files " \
           "(add -R to read its subdirectories)" in err
    assert "vigil validate: 3 paths could not be read" in err
    assert "1 resource valid" in out  # good.yaml was still checked
    assert "NSCocoaErrorDomain" not in out + err


def test_permission_denied():
    # Root reads any file, so as root the check runs as nobody (setpriv, util-linux) on a copy of the binary
    # in a directory nobody can reach, beside a file nobody may read.
    d = Path(tempfile.mkdtemp(prefix="vigil-validate-"))
    try:
        d.chmod(0o755)
        f = d / "secret.yaml"
        f.write_text(GOOD % "x")
        f.chmod(0)
        cmd = [str(vigil_binary()), "validate", "-f", str(f)]
        if os.geteuid() == 0:
            exe = d / "vigil"
            shutil.copy(vigil_binary(), exe)
            exe.chmod(0o755)
            cmd = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", str(exe), "validate", "-f", str(f)]
        p = subprocess.run(cmd, capture_output=True, timeout=60)
        assert p.returncode == 2, p
        assert f"vigil validate: {f}: permission denied" in p.stderr.decode()
    finally:
        shutil.rmtree(d, ignore_errors=True)


def test_no_path_is_a_usage_error():
    rc, out, err = validate()
    assert rc == 64, (rc, out, err)
    assert "give at least one file or directory with -f PATH" in err
