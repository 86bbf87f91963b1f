"""Files uploaded in the admin, staged in a temporary directory for the importer.

Uploads come from a browser, so nothing in them is trusted: a zip is opened member by member
and refused as a whole (nothing is imported) when any member has an absolute path, a ``..``
component, is a symbolic link or another special file, or is encrypted; when it holds more
than ``MAX_FILES`` files; or when it unpacks to more than ``MAX_TOTAL_BYTES``. The size is
counted on the bytes actually written, not only on the sizes the zip declares, which a zip
bomb can fake.
"""

import re
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

MAX_FILES = 500
MAX_TOTAL_BYTES = 100 * 1024 * 1024
CHUNK = 64 * 1024

# Written by macOS's archiver beside every file; never an article.
IGNORED_PARTS = ("__MACOSX",)
_DRIVE = re.compile(r"^[A-Za-z]:")
_UTF8_NAME_FLAG = 0x800
_ENCRYPTED_FLAG = 0x1


class UploadRejected(Exception):
    """The upload as a whole is refused; the message names the file and the reason.

    Member names come from the uploader and may hold line breaks or other control characters;
    they are shown escaped, so that the message stays one line on the admin page.
    """

    def __init__(self, message):
        super().__init__(
            "".join(
                character if character.isprintable() else repr(character)[1:-1]
                for character in message
            )
        )


@dataclass
class Limits:
    max_files: int = MAX_FILES
    max_bytes: int = MAX_TOTAL_BYTES


class _Budget:
    def __init__(self, limits):
        self.limits = limits
        self.files = 0
        self.bytes = 0

    def add_file(self, name):
        self.files += 1
        if self.files > self.limits.max_files:
            raise UploadRejected(f"{name}：文件数超过上限 {self.limits.max_files} 个。")

    def check_bytes(self, name, count):
        if self.bytes + count > self.limits.max_bytes:
            raise UploadRejected(
                f"{name}：解压后总大小超过上限 {self.limits.max_bytes // (1024 * 1024)} MB。"
            )

    def add_bytes(self, name, count):
        self.check_bytes(name, count)
        self.bytes += count


def stage_uploads(uploaded_files, root, limits=None):
    """Write the uploaded files (zips unpacked) under ``root``; return the staged paths.

    A plain file is stored under its own name; a zip's members under ``<zip name>/``, so
    that the paths the importer records say where each article came from.
    """
    root = Path(root)
    budget = _Budget(limits or Limits())
    staged = []
    for upload in uploaded_files:
        name = _plain_name(upload.name)
        # The upload itself (a zip's compressed size) must fit too.
        budget.check_bytes(name, upload.size)
        if name.lower().endswith(".zip"):
            staged.extend(_unpack_zip(upload, name, root, budget))
        else:
            budget.add_file(name)
            target = root / name
            _write(root, target, upload.chunks(), name, budget)
            staged.append(target)
    if not staged:
        raise UploadRejected("没有可导入的文件。")
    return staged


def _plain_name(name):
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    if name in ("", ".", "..") or "\x00" in name:
        raise UploadRejected(f"文件名无效：{name!r}。")
    return name


def _member_name(info):
    """The member's name as its author wrote it: zips made on Chinese Windows store names in
    GBK without the UTF-8 flag, which zipfile then reads as CP437."""
    if info.flag_bits & _UTF8_NAME_FLAG:
        return info.filename
    raw = info.filename.encode("cp437", errors="replace")
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return info.filename


def _safe_parts(zip_name, member):
    """The member's path as parts, or UploadRejected naming the member and the danger."""
    path = member.replace("\\", "/")
    if path.startswith("/") or _DRIVE.match(path):
        raise UploadRejected(f"{zip_name}：成员 {member} 使用绝对路径，已拒绝整个压缩包。")
    parts = [part for part in PurePosixPath(path).parts if part not in ("", ".")]
    if ".." in parts:
        raise UploadRejected(
            f"{zip_name}：成员 {member} 含有 “..” 路径（路径穿越），已拒绝整个压缩包。"
        )
    return parts


def _unpack_zip(upload, zip_name, root, budget):
    try:
        archive = zipfile.ZipFile(upload)
    except (zipfile.BadZipFile, OSError) as error:
        raise UploadRejected(f"{zip_name}：不是有效的 zip 文件（{error}）。") from error
    base = root / Path(zip_name).stem
    staged = []
    with archive:
        members = []
        for info in archive.infolist():
            member = _member_name(info)
            parts = _safe_parts(zip_name, member)
            mode = info.external_attr >> 16
            if stat.S_ISLNK(mode):
                raise UploadRejected(f"{zip_name}：成员 {member} 是符号链接，已拒绝整个压缩包。")
            if info.is_dir() or not parts or parts[0] in IGNORED_PARTS:
                continue
            # Many archivers store permission bits without a file type; only a stated
            # non-regular type (device, fifo…) is refused.
            if stat.S_IFMT(mode) not in (0, stat.S_IFREG):
                raise UploadRejected(f"{zip_name}：成员 {member} 不是普通文件，已拒绝整个压缩包。")
            if info.flag_bits & _ENCRYPTED_FLAG:
                raise UploadRejected(f"{zip_name}：成员 {member} 已加密，无法导入。")
            budget.add_file(zip_name)
            members.append((info, parts))
        # Declared sizes first, so that an obvious bomb is refused before anything is written.
        budget.check_bytes(zip_name, sum(info.file_size for info, _ in members))
        for info, parts in members:
            target = base.joinpath(*parts)
            try:
                with archive.open(info) as source:
                    chunks = iter(lambda s=source: s.read(CHUNK), b"")
                    _write(root, target, chunks, zip_name, budget)
            except (zipfile.BadZipFile, OSError, EOFError) as error:
                raise UploadRejected(
                    f"{zip_name}：成员 {'/'.join(parts)} 无法解压（{error}）。"
                ) from error
            staged.append(target)
    return staged


def _write(root, target, chunks, name, budget):
    # The checks above already exclude escaping paths; this one guards against a mistake.
    if not target.resolve().is_relative_to(Path(root).resolve()):
        raise UploadRejected(f"{name}：路径不安全。")
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        raise UploadRejected(f"{name}：文件 {target.name} 重复出现。")
    with open(target, "xb") as handle:
        for chunk in chunks:
            budget.add_bytes(name, len(chunk))
            handle.write(chunk)
