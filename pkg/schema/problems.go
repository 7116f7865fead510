package schema

import (
	"errors"
	"strings"

	"github.com/strata-render/strata/pkg/failure"
)

// Problems returns one Invalid error listing problems in the form Decode
// gives (the first as the sentence, the others counted and listed), for
// callers that validate around a request (templates' modifications).
// problems must not be empty.
func Problems(problems []failure.Detail) *failure.Error {
	return summarize(failure.Invalid, problems, len(problems))
}

// Rebase rewrites the JSON paths of an error Decode returned with rename
// and rebuilds its sentence to match, so a request assembled from several
// parts (a template and its modifications) reports each problem where the
// client wrote it. Other errors are returned as they are.
func Rebase(err error, rename func(path string) string) error {
	var fe *failure.Error
	if !errors.As(err, &fe) || len(fe.Details) == 0 {
		return err
	}
	details := make([]failure.Detail, len(fe.Details))
	for i, d := range fe.Details {
		details[i] = failure.Detail{Path: rename(d.Path), Message: d.Message}
	}
	// The sentence names the first few problems (summarize); rename each
	// where it is named, in order.
	var b strings.Builder
	rest := fe.Message
	for i, d := range fe.Details[:min(len(fe.Details), errorProblems)] {
		head := withPath(d)
		at := strings.Index(rest, head)
		if at < 0 || (i == 0 && at != 0) {
			if i == 0 {
				return err
			}
			break
		}
		b.WriteString(rest[:at])
		b.WriteString(withPath(details[i]))
		rest = rest[at+len(head):]
	}
	b.WriteString(rest)
	return &failure.Error{Kind: fe.Kind, Message: b.String(), Details: details, Cause: fe.Cause}
}

// withPath is a problem as the error sentence names it: path, then message.
func withPath(d failure.Detail) string {
	if d.Path == "" {
		return d.Message
	}
	return d.Path + " " + d.Message
}

// Suggest returns the candidate nearest to k by the rule unknown fields
// are matched with (at most 2 edits and half of k's length, letter case
// ignored, ties to the alphabetically first), or "" when none is near.
func Suggest(k string, candidates []string) string {
	limit := min(2, len(k)/2)
	best, bestDist := "", limit+1
	for _, c := range candidates {
		if c == k {
			continue
		}
		if dist := editDistance(strings.ToLower(k), strings.ToLower(c), limit); dist < bestDist || (dist == bestDist && c < best) {
			best, bestDist = c, dist
		}
	}
	if bestDist > limit {
		return ""
	}
	return best
}
