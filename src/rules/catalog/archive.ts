import type { RuleDefinition } from "../rule.js";

const SUPPLY_CHAIN = ["AML.T0010.003", "AML.T0011.000"];
/** Content crafted so that two tools see different things: a scanner sees one, the loader runs the other. */
const MASQUERADE = ["AML.T0010.003", "AML.T0011.000", "AML.T0074"];
const OWASP = ["ML06:2023", "LLM03:2025"];
const DIFFERENTIAL_CWE = ["CWE-436", "CWE-345"];

/** Container (zip, tar, 7z, compressed stream) rules. */
export const ARCHIVE_RULES: readonly RuleDefinition[] = [
  {
    id: "archive/zip-name-mismatch",
    title: "Zip local header name differs from the central directory",
    severity: "critical",
    description:
      "A member's name in its local header differs from the name in the central directory (CVE-2025-1944). Python's zipfile refuses the member while PyTorch and other readers load it, so scanners built on zipfile can be made to skip a payload.",
    cwe: DIFFERENTIAL_CWE,
    atlas: MASQUERADE,
    owasp: OWASP,
    remediation: "Do not load the file: a legitimate writer never produces mismatched names. Re-export the model from its source.",
  },
  {
    id: "archive/zip-flag-tamper",
    title: "Zip member falsely flagged as encrypted or patched",
    severity: "critical",
    description:
      "A member has the encryption, strong-encryption or patched-data flag set but its data is plain (CVE-2025-1945). Python's zipfile refuses such a member, PyTorch ignores the flags and loads it, so scanners that use zipfile miss its content.",
    cwe: DIFFERENTIAL_CWE,
    atlas: MASQUERADE,
    owasp: OWASP,
    remediation: "Do not load the file: the flags were set to hide the member from scanners. Re-export the model from its source.",
  },
  {
    id: "archive/zip-crc-mismatch",
    title: "Zip member CRC-32 does not match its data",
    severity: "critical",
    description:
      "The CRC-32 recorded for a member does not match its content (CVE-2025-10156). Python's zipfile refuses the member, PyTorch does not check CRCs and loads it: the data was changed after the archive was written, or the mismatch is there to blind scanners.",
    cwe: DIFFERENTIAL_CWE,
    atlas: MASQUERADE,
    owasp: OWASP,
    remediation: "Do not load the file: its content was altered after it was written. Obtain the model again from a trusted source.",
  },
  {
    id: "archive/zip-inconsistent-headers",
    title: "Zip headers contradict each other",
    severity: "critical",
    description:
      "Fields that must agree disagree: a local header's method or sizes against the central directory, the entry count against the directory, or the ZIP64 records. Readers that trust different copies (streaming readers, Python's zipfile, miniz in PyTorch) extract different content.",
    cwe: DIFFERENTIAL_CWE,
    atlas: MASQUERADE,
    owasp: OWASP,
    remediation: "Do not load the file. Re-create the archive with a standard tool from trusted content.",
  },
  {
    id: "archive/zip-data-outside-archive",
    title: "Data before or after the zip archive",
    severity: "high",
    description:
      "Bytes sit in front of the first member or after the end of the archive. This makes the file a polyglot: loaders that check the first bytes (torch.load, numpy.load) may treat it as another format, or read offsets differently from zip tools.",
    cwe: DIFFERENTIAL_CWE,
    atlas: MASQUERADE,
    owasp: OWASP,
    remediation: "Strip the extra data or re-create the archive; do not load a model file that is also another kind of file.",
  },
  {
    id: "archive/zip-overlapping-members",
    title: "Zip members overlap",
    severity: "critical",
    description:
      "Two members' data ranges overlap. No normal writer does this: it is used for zip bombs that reuse the same compressed bytes, and to make one member's data look like another's.",
    cwe: ["CWE-409", "CWE-436"],
    atlas: SUPPLY_CHAIN,
    owasp: OWASP,
    remediation: "Do not extract or load the file.",
  },
  {
    id: "archive/zip-member-out-of-bounds",
    title: "Zip member lies outside the archive",
    severity: "critical",
    description:
      "A member's local header or data is not where the central directory says, or runs past the end of the file or into the directory itself. Readers resolve this differently, and the member's content could not be verified.",
    cwe: ["CWE-20", "CWE-436"],
    atlas: SUPPLY_CHAIN,
    owasp: OWASP,
    remediation: "Do not load the file: it is truncated or was crafted. Obtain it again from a trusted source.",
  },
  {
    id: "archive/zip-hidden-member",
    title: "Zip member hidden from the central directory",
    severity: "critical",
    description:
      "A local file header sits in the archive where the central directory does not point. Streaming readers (which walk local headers) extract it, directory-based readers and most scanners never see it.",
    cwe: DIFFERENTIAL_CWE,
    atlas: MASQUERADE,
    owasp: OWASP,
    remediation: "Do not load the file. Re-create the archive from trusted content.",
  },
  {
    id: "archive/zip-unreferenced-data",
    title: "Unreferenced data between zip members",
    severity: "medium",
    description: "Bytes between members belong to no member. Normal writers leave no gaps; the space can carry hidden content.",
    cwe: ["CWE-345"],
    atlas: SUPPLY_CHAIN,
    owasp: OWASP,
    remediation: "Re-create the archive with a standard tool if the file's origin is not certain.",
  },
  {
    id: "archive/zip-unusual-method",
    title: "Zip member uses a compression method loaders disagree on",
    severity: "high",
    description:
      "A member is compressed with a method other than stored or deflate. PyTorch's reader (miniz) handles only stored and deflate, Python's zipfile also reads bzip2 and LZMA, other tools differ again, so whether and what a loader reads depends on the tool.",
    cwe: ["CWE-436"],
    atlas: SUPPLY_CHAIN,
    owasp: OWASP,
    remediation: "Re-create the archive with stored or deflate members (the formats model loaders write).",
  },
  {
    id: "archive/unsupported-compression",
    title: "Member compression could not be decoded",
    severity: "high",
    description: "A member is compressed with a method modelgate cannot decode, so its content was not verified.",
    cwe: ["CWE-20"],
    atlas: SUPPLY_CHAIN,
    owasp: OWASP,
    remediation: "Re-create the archive with stored or deflate members, or scan the extracted files.",
  },
  {
    id: "archive/duplicate-member",
    title: "Two members have the same name",
    severity: "critical",
    description:
      "The archive holds the same name twice. Readers pick different copies (Python's zipfile the last, others the first or either by binary search), so a scanner and a loader can read different content under one name.",
    cwe: DIFFERENTIAL_CWE,
    atlas: MASQUERADE,
    owasp: OWASP,
    remediation: "Do not load the file. Re-create the archive so every name is unique.",
  },
  {
    id: "archive/path-traversal",
    title: "Member path escapes the extraction folder",
    severity: "critical",
    description:
      "A member name is absolute, has a drive letter or `..` components (zip-slip, tar path traversal): extracting the archive writes files outside the target folder, for example over a shell profile or a Python package.",
    cwe: ["CWE-22"],
    atlas: ["AML.T0010.003", "AML.T0011.000", "AML.T0018.002"],
    owasp: OWASP,
    remediation: "Do not extract the archive. If you must, use an extractor that refuses such paths (Python 3.12+ tarfile filter='data').",
  },
  {
    id: "archive/suspicious-member-name",
    title: "Unusual member name",
    severity: "low",
    description:
      "A member name has backslashes, control characters or is empty. On Windows backslashes are folder separators, so the name extracts to a different place than it shows.",
    cwe: ["CWE-22"],
    atlas: [],
    owasp: [],
    remediation: "Check where the member would be extracted before extracting on Windows.",
  },
  {
    id: "archive/link-escape",
    title: "Link member points outside the extraction folder",
    severity: "critical",
    description:
      "A symbolic or hard link in the archive points to an absolute path or above the extraction folder. Extracting it, then writing or reading through it, reaches files elsewhere on the system.",
    cwe: ["CWE-59", "CWE-22"],
    atlas: ["AML.T0010.003", "AML.T0011.000", "AML.T0018.002"],
    owasp: OWASP,
    remediation: "Do not extract the archive, or extract it with links refused (Python 3.12+ tarfile filter='data').",
  },
  {
    id: "archive/link-member",
    title: "Link member inside the archive",
    severity: "info",
    description: "The archive holds a symbolic or hard link whose target stays inside the extraction folder.",
    cwe: ["CWE-59"],
    atlas: [],
    owasp: [],
    remediation: "Nothing to do if the link is expected.",
  },
  {
    id: "archive/special-file",
    title: "Device or FIFO member",
    severity: "high",
    description:
      "The archive holds a character device, block device or named pipe. Extracting it as root creates a device node; a loader reading a FIFO hangs. Model archives have no reason to hold one.",
    cwe: ["CWE-20"],
    atlas: SUPPLY_CHAIN,
    owasp: OWASP,
    remediation: "Do not extract the archive as root; remove the special file.",
  },
  {
    id: "archive/tar-ambiguous-entry",
    title: "Tar entry that readers split differently",
    severity: "high",
    description:
      "A link, directory or device entry declares data. Python's tarfile reads the bytes after it as the next header, GNU tar skips them, so the two see different members. Damaged header blocks in the middle of the archive have the same effect (Python stops, GNU tar searches on).",
    cwe: DIFFERENTIAL_CWE,
    atlas: MASQUERADE,
    owasp: OWASP,
    remediation: "Do not load the file; re-create the archive with a standard tar writer.",
  },
  {
    id: "archive/trailing-data",
    title: "Data after the end of the archive or stream",
    severity: "medium",
    description:
      "Bytes follow the end of a tar archive or compressed stream. Most readers ignore them; some (tar --ignore-zeros, concatenated-stream readers) read them as more content.",
    cwe: ["CWE-345"],
    atlas: SUPPLY_CHAIN,
    owasp: OWASP,
    remediation: "Strip the extra data or re-create the file if its origin is not certain.",
  },
  {
    id: "archive/stream-corrupt",
    title: "Compressed stream check failed",
    severity: "high",
    description:
      "A compressed stream's integrity check (gzip CRC-32 and length, xz/7z CRC) does not match the data. The content was altered, or is damaged; loaders that stop at the check and loaders that do not see different data.",
    cwe: ["CWE-345", "CWE-436"],
    atlas: SUPPLY_CHAIN,
    owasp: OWASP,
    remediation: "Obtain the file again from a trusted source.",
  },
];
