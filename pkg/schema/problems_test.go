package schema

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/strata-render/strata/pkg/failure"
)

func TestDecodeLayerNames(t *testing.T) {
	t.Parallel()
	solid := func(name string) string {
		return `{"index":0,"type":"solid-color","hex_color":"#fff","name":` + name + `}`
	}
	cases := []struct {
		name   string
		layers string
		want   []failure.Detail
	}{
		{name: "named", layers: solid(`"bg"`)},
		{name: "blank", layers: solid(`"  "`), want: []failure.Detail{{Path: "layers[0].name", Message: "must not be blank"}}},
		{name: "not a string", layers: solid(`3`), want: []failure.Detail{{Path: "layers[0].name", Message: "must be a string, not a number"}}},
		{name: "too long", layers: solid(`"` + strings.Repeat("n", MaxNameLength+1) + `"`), want: []failure.Detail{{Path: "layers[0].name", Message: "must be at most 100 bytes"}}},
		{
			name:   "repeated inside a layout",
			layers: solid(`"a"`) + `,{"index":1,"type":"layout","layers":[{"type":"solid-color","hex_color":"#000","dimensions":{"width":1,"height":1},"name":"a"}]}`,
			want:   []failure.Detail{{Path: "layers[1].layers[0].name", Message: `"a" is already the name of layers[0]; layer names must be unique`}},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			req, err := Decode([]byte(`{"dimensions":{"width":10,"height":10},"layers":[`+tc.layers+`]}`), DefaultLimits())
			if tc.want == nil {
				require.NoError(t, err)
				require.Equal(t, "bg", req.Layers[0].Name)
				return
			}
			require.Error(t, err)
			require.Equal(t, tc.want, failure.As(err).Details)
		})
	}
}

func TestRebaseKeepsTheCount(t *testing.T) {
	t.Parallel()
	_, err := Decode([]byte(withLayer(`{"index":0,"type":"solid-color","hex_color":"nope","opacity":101}`)), DefaultLimits())
	require.Error(t, err)
	got := failure.As(Rebase(err, func(p string) string { return strings.Replace(p, "layers[0]", "modifications[3]", 1) }))
	require.Equal(t, `modifications[3].opacity must be between 0 and 100 (got 101). modifications[3].hex_color must be a hex colour: #RGB, #RRGGBB or #RRGGBBAA (got "nope").`, got.Message)
	require.Equal(t, "modifications[3].hex_color", got.Details[1].Path)
	require.Equal(t, failure.Invalid, got.Kind)
}

func TestSuggest(t *testing.T) {
	t.Parallel()
	names := []string{"title", "subtitle", "avatar"}
	require.Equal(t, "title", Suggest("titel", names))
	require.Equal(t, "avatar", Suggest("Avatr", names))
	require.Equal(t, "", Suggest("x", names))
	require.Equal(t, "", Suggest("price", names))
}

// TestErrorNamesTheFirstProblemsWithinBounds: the SDKs show only the
// error string, so it names the first few problems, a hint in the second
// included, and stays short however long the problems are.
func TestErrorNamesTheFirstProblemsWithinBounds(t *testing.T) {
	t.Parallel()
	_, err := Decode([]byte(withLayer(`{"index":0,"type":"solid-color","hex_color":"#fff","opacity":101,"rotaton_in_degrees":5}`)), DefaultLimits())
	require.Error(t, err)
	msg := failure.As(err).Message
	require.Contains(t, msg, "did you mean rotation_in_degrees?", msg)

	long := strings.Repeat("x", 300)
	var problems []failure.Detail
	for range 10 {
		problems = append(problems, failure.Detail{Path: "layers[0]." + long, Message: "is not a known field"})
	}
	got := Problems(problems).Message
	require.LessOrEqual(t, len(got), maxErrorBytes+60, got)
	require.Contains(t, got, "(and 9 more problems, listed in details)")
}
