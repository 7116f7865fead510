#!/usr/bin/env bash
# setup.sh — install Strata's system packages and fill the assets dir.
#
#   scripts/setup.sh            apt packages + every pinned asset of scripts/assets.tsv
#   scripts/setup.sh --no-apt   assets only
#   scripts/setup.sh --check    verify what is there (stamps, files, fonts); fetch nothing
#
# Assets go to $STRATA_ASSETS_DIR (default ~/.cache/strata); layout in docs/ASSETS.md.
# Idempotent: each manifest row leaves a stamp (<assets>/.stamps/<name>, holding its pin);
# a row whose stamp matches and whose target exists is skipped, so a second run downloads
# nothing. A changed pin changes the row, so that row is fetched again.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MANIFEST="${STRATA_ASSETS_MANIFEST:-$REPO/scripts/assets.tsv}" # override: tests of this script
ASSETS="${STRATA_ASSETS_DIR:-$HOME/.cache/strata}"
STAMPS="$ASSETS/.stamps"
JOBS="${SETUP_JOBS:-4}"
export REPO MANIFEST ASSETS STAMPS

APT_PACKAGES=(libvips-dev libharfbuzz-dev libharfbuzz-bin libdeflate-dev libjpeg-dev pkg-config redis-server redis-sentinel zbar-tools chromium wrk libthai-data openssl ca-certificates poppler-utils qpdf)

say() { printf 'setup: %s\n' "$*"; }
die() { printf 'setup: error: %s\n' "$*" >&2; exit 1; }

as_root() {
	if [[ $(id -u) -eq 0 ]]; then
		"$@"
	elif command -v sudo >/dev/null; then
		sudo -n "$@" || die "needs root for: $* (run as root or allow sudo without a password)"
	else
		die "needs root for: $* (no sudo)"
	fi
}

APT_UPDATED=0
apt_update_once() {
	if [[ $APT_UPDATED -eq 0 ]]; then
		say "apt-get update"
		as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
		APT_UPDATED=1
	fi
}

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

# has_candidate PKG: apt knows a version of PKG to install (false before any apt-get update).
has_candidate() {
	local c
	c=$(apt-cache policy "$1" 2>/dev/null | awk '/Candidate:/ {print $2}')
	[[ -n $c && $c != "(none)" ]]
}

apt_step() {
	local missing=() p
	command -v npm >/dev/null || missing+=(npm)
	for p in "${APT_PACKAGES[@]}"; do
		if [[ $p == chromium ]] && { installed chromium || installed chromium-browser; }; then
			continue
		fi
		installed "$p" || missing+=("$p")
	done
	if [[ ${#missing[@]} -eq 0 ]]; then
		say "apt: all ${#APT_PACKAGES[@]} packages present"
		return
	fi
	say "apt: installing ${missing[*]}"
	apt_update_once
	# Ubuntu names the browser chromium-browser.
	if [[ " ${missing[*]} " == *" chromium "* ]] && ! has_candidate chromium && has_candidate chromium-browser; then
		missing=("${missing[@]/#chromium/chromium-browser}")
	fi
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# ---- manifest -----------------------------------------------------------------------------

# rows: the manifest without comments and header, one row a line.
rows() { grep -v -e '^#' -e '^name	' -e '^[[:space:]]*$' "$MANIFEST"; }

# pin ROW: the fields of a row that decide what is fetched (all but the size column).
pin() { printf '%s\n' "${1%$'\t'*}"; }

# row_done ROW: the row's stamp holds its pin and its target is in place.
row_done() {
	local row=$1 name kind dest
	IFS=$'\t' read -r name _ _ kind _ dest _ _ <<<"$row"
	[[ -f $STAMPS/$name && $(<"$STAMPS/$name") == "${row%$'\t'*}" ]] || return 1
	case $kind in
	font-ttf | font-woff2) compgen -G "$ASSETS/$dest/*.ttf" >/dev/null ;;
	*) [[ -s $ASSETS/$dest ]] ;;
	esac
}

stamp() { mkdir -p "$STAMPS" && pin "$1" >"$STAMPS/$2.tmp" && mv -f "$STAMPS/$2.tmp" "$STAMPS/$2"; }

sha256_of() { sha256sum "$1" | cut -d' ' -f1; }

# place SRC DEST: copy a file into the assets dir atomically (readers never see half a file).
place() {
	local src=$1 dest=$2
	mkdir -p "$(dirname "$dest")"
	cp -f "$src" "$dest.part.$$"
	chmod 644 "$dest.part.$$"
	mv -f "$dest.part.$$" "$dest"
}

# ---- one source (run by the workers, in parallel) -----------------------------------------

weight_name() {
	case $1 in
	100) echo Thin ;; 200) echo ExtraLight ;; 300) echo Light ;; 400) echo Regular ;;
	500) echo Medium ;; 600) echo SemiBold ;; 700) echo Bold ;; 800) echo ExtraBold ;;
	900) echo Black ;; *) return 1 ;;
	esac
}

# fetch_npm SPEC INTEGRITY DIR: npm pack SPEC into DIR (no install, no scripts, throw-away
# cache), check the tarball against the pinned integrity, print its path.
fetch_npm() {
	local spec=$1 want=$2 dir=$3 file got
	file=$(npm pack "$spec" --cache "$dir/npm-cache" --pack-destination "$dir" --silent --loglevel=error 2>"$dir/npm.err" | tail -n1) ||
		{ cat "$dir/npm.err" >&2; return 1; }
	[[ -f $dir/$file ]] || { cat "$dir/npm.err" >&2; echo "npm pack $spec: no tarball" >&2; return 1; }
	got="sha512-$(openssl dgst -sha512 -binary "$dir/$file" | base64 -w0)"
	if [[ $got != "$want" ]]; then
		echo "$spec: integrity mismatch: got $got, pinned $want" >&2
		return 1
	fi
	rm -rf "$dir/npm-cache"
	echo "$dir/$file"
}

# fetch_deb PKG=VERSION SHA256 DIR: apt-get download into DIR and unpack it to DIR/x. When
# the pinned version is gone from the mirror, the current one is taken instead (a warning;
# the extracted files are still checked against their own sha256 pins).
fetch_deb() {
	local spec=$1 want=${2#sha256:} dir=$3 pkg=${1%%=*} deb got
	(cd "$dir" && apt-get download -q "$spec" >/dev/null 2>"$dir/apt.err") ||
		{
			echo "warning: $spec not downloadable; trying the current $pkg" >&2
			(cd "$dir" && apt-get download -q "$pkg" >/dev/null 2>>"$dir/apt.err") || { cat "$dir/apt.err" >&2; return 1; }
			want=""
		}
	deb=$(compgen -G "$dir/${pkg}_*.deb" | head -n1)
	[[ -n $deb ]] || { echo "apt-get download $spec: no .deb" >&2; return 1; }
	got=$(sha256_of "$deb")
	if [[ -n $want && $got != "$want" ]]; then
		echo "$spec: sha256 mismatch: got $got, pinned $want" >&2
		return 1
	fi
	dpkg -x "$deb" "$dir/x"
}

# do_source SOURCE: fetch SOURCE once and install every pending row that uses it.
do_source() {
	local source=$1 tmp row name src integ kind extract dest sha want got archive root f n
	local -a pending=()
	while IFS= read -r row; do
		IFS=$'\t' read -r name src _ _ _ _ _ _ <<<"$row"
		[[ $src == "$source" ]] || continue
		row_done "$row" || pending+=("$row")
	done < <(rows)
	[[ ${#pending[@]} -gt 0 ]] || return 0

	tmp=$WORKDIR
	IFS=$'\t' read -r _ _ integ _ _ _ _ _ <<<"${pending[0]}"
	case $source in
	npm:*)
		archive=$(fetch_npm "${source#npm:}" "$integ" "$tmp") || return 1
		mkdir -p "$tmp/x"
		;;
	deb:*) fetch_deb "${source#deb:}" "$integ" "$tmp" || return 1 ;;
	*) echo "unknown source $source" >&2; return 1 ;;
	esac
	root="$tmp/x"

	for row in "${pending[@]}"; do
		IFS=$'\t' read -r name _ _ kind extract dest sha _ <<<"$row"
		case $kind in
		font-ttf)
			tar -xzf "$archive" -C "$root" --wildcards 'package/*.ttf' 'package/LICENSE*' 2>/dev/null ||
				tar -xzf "$archive" -C "$root" --wildcards 'package/*.ttf'
			n=0
			while IFS= read -r -d '' f; do
				place "$f" "$ASSETS/$dest/$(basename "$f")"
				n=$((n + 1))
			done < <(find "$root/package" -name '*.ttf' -print0)
			[[ $n -gt 0 ]] || { echo "$name: no TTF in $source" >&2; return 1; }
			for f in "$root"/package/LICENSE*; do
				[[ -f $f ]] && place "$f" "$ASSETS/$dest/$(basename "$f")"
			done
			echo "fonts: $name ($n TTF)"
			;;
		font-woff2)
			# extract is package/files/<prefix>-latin-<weight>-<style>.woff2
			local prefix=${extract#package/files/}
			prefix=${prefix%-latin-*}
			tar -xzf "$archive" -C "$root" --wildcards "package/files/$prefix-latin-[0-9]*.woff2" package/LICENSE
			n=0
			for f in "$root"/package/files/"$prefix"-latin-[0-9]*-*.woff2; do
				local base w style out
				base=$(basename "$f" .woff2)
				style=${base##*-}
				w=${base%-*}
				w=${w##*-}
				out="${name}_${w}$(weight_name "$w")"
				[[ $style == italic ]] && out+="_Italic"
				mkdir -p "$ASSETS/$dest"
				"$FONTCONV" -o "$ASSETS/$dest/$out.ttf" "$f"
				n=$((n + 1))
			done
			[[ $n -gt 0 ]] || { echo "$name: no latin WOFF2 in $source" >&2; return 1; }
			place "$root/package/LICENSE" "$ASSETS/$dest/LICENSE"
			echo "fonts: $name ($n TTF converted from WOFF2)"
			;;
		woff2-file)
			tar -xzf "$archive" -C "$root" "$extract" package/LICENSE
			mkdir -p "$(dirname "$ASSETS/$dest")"
			"$FONTCONV" -o "$ASSETS/$dest" "$root/$extract"
			place "$root/package/LICENSE" "$(dirname "$ASSETS/$dest")/LICENSE_VARIABLE"
			echo "fonts: $name -> $dest"
			;;
		file)
			if [[ $source == npm:* ]]; then
				tar -xzf "$archive" -C "$root" "$extract"
			fi
			[[ -f $root/$extract ]] || { echo "$name: $extract not in $source" >&2; return 1; }
			if [[ $sha != - ]]; then
				got=$(sha256_of "$root/$extract")
				[[ $got == "$sha" ]] || { echo "$name: sha256 of $extract is $got, pinned $sha" >&2; return 1; }
			fi
			place "$root/$extract" "$ASSETS/$dest"
			[[ ${#pending[@]} -gt 1 ]] || echo "file: $dest"
			;;
		*) echo "$name: unknown kind $kind" >&2; return 1 ;;
		esac
		stamp "$row" "$name"
	done
	[[ ${#pending[@]} -gt 1 && $kind == file ]] && echo "files: ${#pending[@]} from $source"
	return 0
}

# ---- main ---------------------------------------------------------------------------------

# adopt: a single-file row whose target is already there with the pinned sha256 (e.g. fetched
# by hand) gets its stamp without a download.
adopt() {
	local row=$1 name kind dest sha
	IFS=$'\t' read -r name _ _ kind _ dest sha _ <<<"$row"
	[[ $kind == file && $sha != - && -f $ASSETS/$dest ]] || return 1
	[[ $(sha256_of "$ASSETS/$dest") == "$sha" ]] || return 1
	stamp "$row" "$name"
}

build_fontconv() {
	export FONTCONV="$ASSETS/bin/fontconv"
	command -v go >/dev/null || die "go is needed to build scripts/fontconv"
	say "building scripts/fontconv"
	mkdir -p "$ASSETS/bin"
	(cd "$REPO" && CGO_ENABLED=0 go build -buildvcs=false -o "$FONTCONV" ./scripts/fontconv)
}

# SeaweedFS: the real S3-compatible server the object storage tests upload to
# (pkg/storage/s3test). Built from the Go module proxy at a pinned version into
# $ASSETS/bin/weed; its go.mod has replace directives, so `go install pkg@version`
# refuses it and it is built inside the downloaded module instead. About 14 min
# of CPU on 2 cores the first time (docs/PERFORMANCE.md); a matching stamp skips it.
WEED_MODULE=github.com/seaweedfs/seaweedfs
WEED_VERSION=v0.0.0-20261109003541-7506e5f91cd6

weed_done() { [[ -x $ASSETS/bin/weed && -f $STAMPS/weed && $(<"$STAMPS/weed") == "$WEED_VERSION" ]]; }

build_weed() {
	weed_done && { say "weed: $WEED_VERSION up to date"; return 0; }
	command -v go >/dev/null || die "go is needed to build SeaweedFS"
	local dir start=$SECONDS
	say "building SeaweedFS $WEED_VERSION (the S3 server of the storage tests; takes minutes)"
	dir=$(go mod download -json "$WEED_MODULE@$WEED_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
	[[ -d $dir ]] || die "go mod download $WEED_MODULE@$WEED_VERSION failed"
	mkdir -p "$ASSETS/bin" "$STAMPS"
	(cd "$dir" && CGO_ENABLED=0 GOFLAGS=-mod=readonly go build -buildvcs=false -trimpath -ldflags "-s -w" \
		-o "$ASSETS/bin/weed.part.$$" ./weed) || die "building SeaweedFS failed"
	mv -f "$ASSETS/bin/weed.part.$$" "$ASSETS/bin/weed"
	printf '%s\n' "$WEED_VERSION" >"$STAMPS/weed"
	say "weed: built in $((SECONDS - start))s"
}

# check_fonts: every font family dir has TTFs; prints a summary, fails on an empty family.
check_fonts() {
	local fams=0 files=0 empty=() name kind dest n row
	while IFS= read -r row; do
		IFS=$'\t' read -r name _ _ kind _ dest _ _ <<<"$row"
		[[ $kind == font-ttf || $kind == font-woff2 ]] || continue
		fams=$((fams + 1))
		n=$(compgen -G "$ASSETS/$dest/*.ttf" | wc -l || true)
		[[ $n -gt 0 ]] || empty+=("$name")
		files=$((files + n))
	done < <(rows)
	if [[ ${#empty[@]} -gt 0 ]]; then
		say "fonts: families without TTF: ${empty[*]}"
		return 1
	fi
	say "fonts: $fams families, $files TTF files in $ASSETS/fonts"
}

main() {
	local apt=1 check=0 row src
	for a in "$@"; do
		case $a in
		--no-apt) apt=0 ;;
		--check) check=1 ;;
		-h | --help) sed -n '2,11p' "$0"; exit 0 ;;
		*) die "unknown argument $a" ;;
		esac
	done
	local start=$SECONDS
	mkdir -p "$ASSETS"

	if [[ $check -eq 1 ]]; then
		local bad=0
		while IFS= read -r row; do
			row_done "$row" || { say "missing: ${row%%	*}"; bad=1; }
		done < <(rows)
		check_fonts || bad=1
		weed_done || { say "missing: weed (SeaweedFS $WEED_VERSION)"; bad=1; }
		[[ $bad -eq 0 ]] && say "assets complete in $ASSETS"
		return $bad
	fi

	[[ $apt -eq 1 ]] && apt_step
	command -v npm >/dev/null || die "npm is needed (apt-get install npm)"

	# Pending sources: fonts first, biggest download first so the workers finish together.
	local -A seen=()
	local pending=() need_fontconv=0 need_deb=() name kind bytes prio
	while IFS= read -r row; do
		row_done "$row" && continue
		adopt "$row" && continue
		IFS=$'\t' read -r name src _ kind _ _ _ bytes <<<"$row"
		[[ $kind == font-woff2 || $kind == woff2-file ]] && need_fontconv=1
		if [[ -z ${seen[$src]:-} ]]; then
			seen[$src]=1
			prio=1
			[[ $kind == font-* ]] && prio=2 # fonts first: others wait for them
			pending+=("$prio $bytes $src")
			[[ $src == deb:* ]] && need_deb+=("${src#deb:}")
		fi
	done < <(rows)

	if [[ ${#pending[@]} -eq 0 ]]; then
		say "assets: all $(rows | wc -l) items up to date in $ASSETS"
	else
		say "assets: fetching ${#pending[@]} packages into $ASSETS ($JOBS at a time)"
		local d
		for d in "${need_deb[@]}"; do
			has_candidate "${d%%=*}" || { apt_update_once; break; }
		done
		[[ $need_fontconv -eq 1 ]] && build_fontconv
		printf '%s\n' "${pending[@]}" | sort -k1,1nr -k2,2nr | cut -d' ' -f3- |
			xargs -P "$JOBS" -I{} bash "$0" __source {} ||
			die "some assets failed (see above); run again to retry only those"
	fi
	check_fonts
	build_weed
	local incomplete=0
	while IFS= read -r row; do
		row_done "$row" || { say "still missing: ${row%%	*}"; incomplete=1; }
	done < <(rows)
	[[ $incomplete -eq 0 ]] || die "assets incomplete"
	say "done in $((SECONDS - start))s"
}

if [[ ${1:-} == __source ]]; then
	WORKDIR=$(mktemp -d "${TMPDIR:-/tmp}/strata-setup.XXXXXX")
	trap 'rm -rf "$WORKDIR"' EXIT
	do_source "$2" 2>&1 | sed -u 's/^/setup: /'
	exit "${PIPESTATUS[0]}"
fi
main "$@"
