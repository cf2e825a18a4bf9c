// The in-container sync receiver (receiver.sh beside this file) as a string, so it ships in the
// build and is started with `sh -c`; a unit test keeps the two copies identical.

/** POSIX sh source of the receiver; run as `sh -c RECEIVER_SCRIPT podloop-receiver <workDir>`. */
export const RECEIVER_SCRIPT = `# podloop sync receiver: applies framed tar batches read from stdin to one directory and answers
# questions about that directory on stdout. Never writes outside it. Needs sh, tar, find, head, rm,
# rmdir.
#
# Requests (one line each, answered in order; every answer is NUL-terminated records):
#   BATCH <id> <tarBytes> <removals> <checks> [listed]  then <removals> paths, <checks> directories,
#            one per line, then exactly <tarBytes> bytes of tar. Removals are recursive; with "listed"
#            only the listed paths go, a folder only when empty (one refilled meanwhile stays).
#            Answer: "ACK <id> ok" or "ACK <id> err <why>".
#   MANIFEST   records "<type> <mode> <size> <mtime> <path>" and "<link target>", then "DONE MANIFEST".
#   HASH <n>   then <n> paths; records "<hash>  <path>" ("-" when not a file), then "DONE HASH".
#   STAT <n>   then <n> paths; a manifest record pair for each that exists, then "DONE STAT".
#   SCAN <n>   then <n> paths (no glob characters); MANIFEST's records without those subtrees, then "DONE SCAN".
#   VERIFY     records "<hash>  <path>" for every file, then "DONE VERIFY".
#   PING       answers "PONG".
set -u
WORKDIR=\${1:?usage: receiver WORKDIR}
mkdir -p -- "$WORKDIR" || exit 3
cd -- "$WORKDIR" || exit 3

record() { printf '%s\\000' "$1"; }

TAR_KIND=other
tar --version 2>/dev/null | grep -q 'GNU tar' && TAR_KIND=gnu
FIND_KIND=posix
find . -maxdepth 0 -printf '' >/dev/null 2>&1 && FIND_KIND=gnu
HASH_ALG=none
HASHER=
for candidate in sha1sum md5sum; do
  if command -v "$candidate" >/dev/null 2>&1; then HASHER=$candidate; HASH_ALG=\${candidate%sum}; break; fi
done
HASH_NUL=0
[ -n "$HASHER" ] && printf '' | "$HASHER" -z >/dev/null 2>&1 && HASH_NUL=1

# A relative path is usable when it cannot climb out and no directory on its way is a symlink
# (rm and tar would otherwise act on whatever the link points at).
safe_rel() {
  case $1 in
    '' | /* | .. | ../* | */.. | */../*) return 1 ;;
  esac
  rest=$1
  cur=.
  while :; do
    case $rest in */*) ;; *) break ;; esac
    cur=$cur/\${rest%%/*}
    rest=\${rest#*/}
    [ -h "$cur" ] && return 1
  done
  return 0
}

# The sender says these directories must be real directories: a symlink found on the way (made
# in the container) is replaced, so that extraction can never be redirected through it.
clear_link_parents() {
  case $1 in
    '' | /* | .. | ../* | */.. | */../*) return 1 ;;
  esac
  rest=$1/
  cur=.
  while [ -n "$rest" ]; do
    cur=$cur/\${rest%%/*}
    rest=\${rest#*/}
    if [ -h "$cur" ]; then rm -f -- "$cur" || return 1; fi
  done
  return 0
}

has_entries() {
  for entry in "$1"/* "$1"/.[!.]* "$1"/..?*; do
    if [ -e "$entry" ] || [ -h "$entry" ]; then return 0; fi
  done
  return 1
}

# Removes one path the sender listed and nothing it did not list: a folder that is not empty holds
# what the container wrote since, and an edit beats a deletion, so it stays.
remove_listed() {
  if [ -d "$1" ] && [ ! -h "$1" ]; then
    rmdir -- "$1" 2>/dev/null || has_entries "$1"
  else
    rm -f -- "$1" 2>/dev/null
  fi
}

one_line() { printf '%s' "$1" | tr '\\n\\r' '  ' | cut -c1-400; }

extract() {
  if [ "$TAR_KIND" = gnu ]; then
    head -c "$1" | { tar -x -p --no-same-owner -f - 2>&1; rc=$?; cat >/dev/null; exit $rc; }
  else
    head -c "$1" | { tar -x -o -f - 2>&1; rc=$?; cat >/dev/null; exit $rc; }
  fi
}

apply_batch() {
  id=$1 bytes=$2 removals=$3 checks=$4 how=$5
  for n in "$bytes" "$removals" "$checks"; do
    case $n in '' | *[!0-9]*) record "ACK $id err malformed batch header"; exit 4 ;; esac
  done
  problem=
  i=0
  while [ "$i" -lt "$removals" ]; do
    IFS= read -r path || exit 4
    i=$((i + 1))
    if safe_rel "$path"; then
      if [ "$how" = listed ]; then
        remove_listed "./$path" || problem=\${problem:-"cannot remove $path"}
      else
        rm -rf -- "./$path" 2>/dev/null || problem=\${problem:-"cannot remove $path"}
      fi
    else
      problem=\${problem:-"refused unsafe path $path"}
    fi
  done
  i=0
  while [ "$i" -lt "$checks" ]; do
    IFS= read -r dir || exit 4
    i=$((i + 1))
    clear_link_parents "$dir" || problem=\${problem:-"refused unsafe directory $dir"}
  done
  if [ "$bytes" -gt 0 ]; then
    if ! out=$(extract "$bytes"); then problem=\${problem:-"tar: $(one_line "$out")"}; fi
  fi
  if [ -z "$problem" ]; then record "ACK $id ok"; else record "ACK $id err $(one_line "$problem")"; fi
}

manifest() {
  if [ "$FIND_KIND" = gnu ]; then
    find . -mindepth 1 -printf '%y %m %s %T@ %P\\000%l\\000'
    return
  fi
  find . ! -name . -print | describe_each
}

# Manifest records for the paths read from stdin, one per line, without find -printf.
describe_each() {
  while IFS= read -r path; do
    target=
    if [ -h "$path" ]; then kind=l; target=$(readlink "$path"); elif [ -d "$path" ]; then kind=d; elif [ -f "$path" ]; then kind=f; else continue; fi
    set -- $(stat -c '%a %s %Y' "$path" 2>/dev/null) || continue
    [ $# -eq 3 ] || continue
    printf '%s %s %s %s %s\\000%s\\000' "$kind" "$1" "$2" "$3" "\${path#./}" "$target"
  done
}

# Manifest records for <n> paths read from the request; missing ones are left out.
stat_paths() {
  case \${1:-} in '' | *[!0-9]*) exit 4 ;; esac
  n=$1
  set --
  i=0
  while [ "$i" -lt "$n" ]; do
    IFS= read -r path || exit 4
    i=$((i + 1))
    if safe_rel "$path" && { [ -e "./$path" ] || [ -h "./$path" ]; }; then set -- "$@" "./$path"; fi
  done
  [ $# -gt 0 ] || return 0
  if [ "$FIND_KIND" = gnu ]; then
    find "$@" -maxdepth 0 -printf '%y %m %s %T@ %p\\000%l\\000' 2>/dev/null
  else
    printf '%s\\n' "$@" | describe_each
  fi
}

# The manifest without the subtrees of <n> paths read from the request (ignored folders).
scan() {
  case \${1:-} in '' | *[!0-9]*) exit 4 ;; esac
  n=$1
  set --
  i=0
  while [ "$i" -lt "$n" ]; do
    IFS= read -r path || exit 4
    i=$((i + 1))
    if [ $# -eq 0 ]; then set -- -path "./$path"; else set -- "$@" -o -path "./$path"; fi
  done
  if [ $# -eq 0 ]; then
    manifest
  elif [ "$FIND_KIND" = gnu ]; then
    find . -mindepth 1 \\( "$@" \\) -prune -o -printf '%y %m %s %T@ %P\\000%l\\000'
  else
    find . ! -name . \\( "$@" \\) -prune -o -print | describe_each
  fi
}

hash_one() {
  if [ -n "$HASHER" ] && [ -f "./$1" ] && [ ! -h "./$1" ]; then
    sum=$("$HASHER" <"./$1") || sum=-
    record "\${sum%% *}  $1"
  else
    record "-  $1"
  fi
}

hash_paths() {
  case \${1:-} in '' | *[!0-9]*) exit 4 ;; esac
  i=0
  while [ "$i" -lt "$1" ]; do
    IFS= read -r path || exit 4
    i=$((i + 1))
    if safe_rel "$path"; then hash_one "$path"; else record "-  $path"; fi
  done
}

verify() {
  [ -n "$HASHER" ] || return 0
  if [ "$HASH_NUL" = 1 ]; then
    find . -type f -print0 | xargs -0 -r "$HASHER" -z
    return
  fi
  find . -type f -print | while IFS= read -r path; do hash_one "\${path#./}"; done
}

record "READY podloop-receiver 1 hash=$HASH_ALG tar=$TAR_KIND find=$FIND_KIND"
while IFS=' ' read -r command a b c d e; do
  case $command in
    BATCH) apply_batch "\${a:-}" "\${b:-}" "\${c:-}" "\${d:-}" "\${e:-}" ;;
    MANIFEST) manifest; record "DONE MANIFEST" ;;
    HASH) hash_paths "\${a:-}"; record "DONE HASH" ;;
    STAT) stat_paths "\${a:-}"; record "DONE STAT" ;;
    SCAN) scan "\${a:-}"; record "DONE SCAN" ;;
    VERIFY) verify; record "DONE VERIFY" ;;
    PING) record "PONG" ;;
    EXIT) exit 0 ;;
    '') ;;
    *) record "ERR unknown request"; exit 4 ;;
  esac
done
`;

// Comments and indentation dropped: the script travels in the exec request's URL.
const COMPACT_SCRIPT = RECEIVER_SCRIPT.split('\n')
  .map((line) => line.trim())
  .filter((line) => line !== '' && !line.startsWith('#'))
  .join('\n');

/** The argv that starts the receiver for `workDir` inside a container ($0 is "podloop-receiver"). */
export function receiverCommand(workDir: string): string[] {
  return ['sh', '-c', COMPACT_SCRIPT, 'podloop-receiver', workDir];
}
