"""Hostile zips in the admin upload: members named with ``..``, absolute and drive paths,
backslashes, NUL bytes, very long or odd names. Every zip is staged inside its directory or
refused as a whole with a clear message; nothing is ever written outside.

Counts print with ``pytest -s tests/test_harden_fuzz_upload.py``.
"""

import io
import zipfile
from collections import Counter
from itertools import count

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archive.importing.uploads import UploadRejected, stage_uploads

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore:Duplicate name")]

_PART = st.one_of(
    st.sampled_from(
        ["..", ".", "", "C:", "c:\\", "/", "\\", "..\\..", "__MACOSX", "公安", "a.txt"]
    ),
    st.text(min_size=1, max_size=12),
    st.text(alphabet="a公.", min_size=200, max_size=300),  # longer than a file name may be
)
# zipfile cuts a member name at its first NUL byte and cannot write a name left empty.
_MEMBER = (
    st.lists(_PART, min_size=1, max_size=5).map("/".join).filter(lambda name: name.split("\0")[0])
)


def _zip(names):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for number, name in enumerate(names):
            archive.writestr(name, f"标题{number}\n\n正文。\n".encode())
    return buffer.getvalue()


def test_hostile_zip_member_names(tmp_path):
    outcomes, folders = Counter(), count()

    @settings(
        max_examples=300,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture],
    )
    @given(st.lists(_MEMBER, min_size=1, max_size=4))
    def stage(names):
        outer = tmp_path / f"case{next(folders)}"
        root = outer / "root"
        root.mkdir(parents=True)
        upload = SimpleUploadedFile("上传.zip", _zip(names))
        try:
            staged = stage_uploads([upload], root)
        except UploadRejected as error:
            assert str(error) and "\n" not in str(error)
            outcomes["refused"] += 1
        else:
            for path in staged:
                assert path.resolve().is_relative_to(root.resolve()) and path.is_file()
            outcomes["staged"] += 1
        # Nothing beside the staging directory.
        assert [p.name for p in outer.iterdir()] == ["root"]

    stage()
    print(f"\nupload fuzz: {sum(outcomes.values())} zips tried, {dict(outcomes)}")
    assert outcomes["refused"] and outcomes["staged"]
