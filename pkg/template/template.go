// Package template is Strata's template model: a template is a request of
// the /generate schema (without webhook_url) whose layers may carry a
// name, and a render of it applies modifications that override fields of
// named layers. Modifications are applied to the template's JSON and the
// result goes through schema.Decode, so a modified template is validated
// exactly as a request is (no second validator); problems are reported at
// the modification that caused them (modifications[1].text_color).
package template

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/strata-render/strata/pkg/failure"
	"github.com/strata-render/strata/pkg/schema"
)

// Template is a validated template.
type Template struct {
	// Body is the template's JSON as it was given.
	Body []byte
	// Digest is the hex SHA-256 of Body: it names the template's contents.
	Digest string
	// Variables lists the named layers in document order.
	Variables []Variable
	root      map[string]any
	byName    map[string]int // name → index in Variables
}

// Variable is one named layer: what a modification can address.
type Variable struct {
	Name string           `json:"name"`
	Type schema.LayerType `json:"type"`
	// Fields are the fields a modification can set on it.
	Fields []string `json:"fields"`
	// Path is the layer's JSON path in the template, e.g. layers[2].layers[0].
	Path string `json:"path"`
	addr []int  // indices along layers / layers / background_layers (negative)
}

// Parse validates a template body: a request that schema.Decode accepts,
// without webhook_url (a render gives its own).
func Parse(body []byte, limits schema.Limits) (*Template, error) {
	req, err := schema.Decode(body, limits)
	if err != nil {
		return nil, err
	}
	if req.WebhookURL != "" {
		return nil, schema.Problems([]failure.Detail{{Path: "webhook_url",
			Message: "is not part of a template; send it with each render of the template instead"}})
	}
	root, err := decodeJSON(body)
	if err != nil {
		return nil, failure.Wrap(failure.Internal, err, "template JSON")
	}
	sum := sha256.Sum256(body)
	t := &Template{Body: body, Digest: hex.EncodeToString(sum[:]), root: root.(map[string]any), byName: map[string]int{}}
	walk(req.Layers, nil, func(l *schema.Layer, addr []int) {
		if l.Name != "" {
			t.byName[l.Name] = len(t.Variables)
			t.Variables = append(t.Variables, Variable{Name: l.Name, Type: l.Type, Fields: Fields(l.Type), Path: l.Path, addr: slices.Clone(addr)})
		}
	})
	return t, nil
}

// walk visits layers depth first with their address: the index in each
// enclosing array, a layout's background layers as -1-index.
func walk(layers []*schema.Layer, addr []int, visit func(*schema.Layer, []int)) {
	for i, l := range layers {
		walkOne(l, append(slices.Clip(addr), i), visit)
	}
}

func walkOne(l *schema.Layer, addr []int, visit func(*schema.Layer, []int)) {
	visit(l, addr)
	if l.Layout == nil {
		return
	}
	walk(l.Layout.Children, addr, visit)
	for j, b := range l.Layout.BackgroundLayers {
		walkOne(b, append(slices.Clip(addr), -1-j), visit)
	}
}

func decodeJSON(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}

// Modification overrides fields of one named layer.
type Modification struct {
	// Path is where the client wrote it, e.g. modifications[1].
	Path string
	// NamePath is where the name was written; "" means Path + ".name".
	NamePath string
	Name     string
	Fields   []Field
}

// Field is one overridden field.
type Field struct {
	Name string
	// Value is the JSON value (as decoded with UseNumber).
	Value any
	// Path is where the client wrote the value, e.g. modifications[1].text.
	Path string
}

// MaxModifications bounds the modifications of one render.
const MaxModifications = 200

// ParseModifications reads the modifications array of a render request
// body (the decoded JSON value at path).
func ParseModifications(path string, v any) ([]Modification, error) {
	if v == nil {
		return nil, nil
	}
	items, ok := v.([]any)
	if !ok {
		return nil, schema.Problems([]failure.Detail{{Path: path, Message: "must be an array of {\"name\": …, <field>: …} objects"}})
	}
	if len(items) > MaxModifications {
		return nil, schema.Problems([]failure.Detail{{Path: path, Message: fmt.Sprintf("has %d modifications; at most %d are allowed", len(items), MaxModifications)}})
	}
	var problems []failure.Detail
	out := make([]Modification, 0, len(items))
	for i, item := range items {
		p := fmt.Sprintf("%s[%d]", path, i)
		m, ok := item.(map[string]any)
		if !ok {
			problems = append(problems, failure.Detail{Path: p, Message: "must be an object with a name and the fields to set"})
			continue
		}
		mod := Modification{Path: p}
		switch name := m["name"].(type) {
		case string:
			mod.Name = name
		case nil:
			problems = append(problems, failure.Detail{Path: p + ".name", Message: "is required (the name of the layer to modify)"})
		default:
			problems = append(problems, failure.Detail{Path: p + ".name", Message: "must be a string"})
		}
		keys := make([]string, 0, len(m))
		for k := range m {
			if k != "name" {
				keys = append(keys, k)
			}
		}
		slices.Sort(keys)
		for _, k := range keys {
			mod.Fields = append(mod.Fields, Field{Name: k, Value: m[k], Path: memberPath(p, k)})
		}
		if len(keys) == 0 && mod.Name != "" {
			problems = append(problems, failure.Detail{Path: p, Message: "sets no field; add the fields to override beside name"})
		}
		out = append(out, mod)
	}
	if len(problems) > 0 {
		return nil, schema.Problems(problems)
	}
	return out, nil
}

// memberPath is path.key, or path["key"] for a key that would make the
// path ambiguous (the form pkg/schema uses).
func memberPath(path, key string) string {
	if key == "" || strings.ContainsAny(key, `.[]"`) {
		b, _ := json.Marshal(key)
		return path + "[" + string(b) + "]"
	}
	return path + "." + key
}

// Apply returns the request the template makes with mods applied and
// top-level fields set (output_format, output_options, webhook_url from
// the render request), decoded and validated, and its JSON body. Every
// problem is reported at the modification (or top-level field) that
// caused it.
func (t *Template) Apply(mods []Modification, top map[string]any, limits schema.Limits) (*schema.Request, []byte, error) {
	var problems []failure.Detail
	set := map[string]string{} // "name\x00field" → path that set it
	for _, m := range mods {
		if m.Name == "" {
			continue
		}
		vi, ok := t.byName[m.Name]
		if !ok {
			msg := fmt.Sprintf("%q is not the name of a layer of this template", truncate(m.Name, 40))
			if s := schema.Suggest(m.Name, t.names()); s != "" {
				msg += "; did you mean " + s + "?"
			} else if len(t.Variables) == 0 {
				msg += " (it has no named layers)"
			}
			np := m.NamePath
			if np == "" {
				np = m.Path + ".name"
			}
			problems = append(problems, failure.Detail{Path: np, Message: msg})
			continue
		}
		v := t.Variables[vi]
		for _, f := range m.Fields {
			switch {
			case !slices.Contains(v.Fields, f.Name):
				msg := fmt.Sprintf("cannot be set on %s %s layer", article(v.Type), v.Type)
				if s := schema.Suggest(f.Name, v.Fields); s != "" {
					msg += "; did you mean " + s + "?"
				} else {
					msg += " (it takes " + strings.Join(v.Fields, ", ") + ")"
				}
				problems = append(problems, failure.Detail{Path: f.Path, Message: msg})
			case set[m.Name+"\x00"+f.Name] != "":
				problems = append(problems, failure.Detail{Path: f.Path, Message: fmt.Sprintf("is set again for %q (%s set it already); set each field once", truncate(m.Name, 40), set[m.Name+"\x00"+f.Name])})
			case f.Name == Hide:
				if _, isBool := f.Value.(bool); !isBool {
					problems = append(problems, failure.Detail{Path: f.Path, Message: "must be true or false"})
				}
			}
			set[m.Name+"\x00"+f.Name] = f.Path
		}
	}
	if len(problems) > 0 {
		return nil, nil, schema.Problems(problems)
	}

	root := deepCopy(t.root).(map[string]any)
	// origin maps a field's schema path in the assembled request to where
	// the client wrote it; whole layers map to their modification.
	type origin struct{ name, field, path string }
	var origins []origin
	hidden := map[string]bool{}
	for _, m := range mods {
		layer := find(root, t.Variables[t.byName[m.Name]].addr)
		for _, f := range m.Fields {
			if f.Name == Hide {
				if f.Value.(bool) {
					hidden[m.Name] = true
				}
				continue
			}
			layer[f.Name] = deepCopy(f.Value)
			if other, ok := replaces[f.Name]; ok {
				delete(layer, other)
			}
			origins = append(origins, origin{m.Name, f.Name, f.Path})
		}
		origins = append(origins, origin{m.Name, "", m.Path})
	}
	if len(hidden) > 0 {
		removeHidden(root, hidden)
	}
	for k, v := range top {
		root[k] = v
	}
	body, err := json.Marshal(root)
	if err != nil {
		return nil, nil, failure.Wrap(failure.Internal, err, "template JSON")
	}
	req, err := schema.Decode(body, limits)
	if err != nil {
		paths := layerPaths(root)
		return nil, nil, schema.Rebase(err, func(p string) string {
			// The longest match wins: a field's path before its layer's.
			best, bestLen := p, -1
			for _, o := range origins {
				lp, ok := paths[o.name]
				if !ok {
					continue
				}
				prefix := lp
				if o.field != "" {
					prefix = lp + "." + o.field
				}
				if rest, ok := strings.CutPrefix(p, prefix); ok && (rest == "" || rest[0] == '.' || rest[0] == '[') && len(prefix) > bestLen {
					best, bestLen = o.path+rest, len(prefix)
				}
			}
			return best
		})
	}
	return req, body, nil
}

func (t *Template) names() []string {
	out := make([]string, len(t.Variables))
	for i, v := range t.Variables {
		out[i] = v.Name
	}
	return out
}

func article(t schema.LayerType) string {
	if t == schema.TypeImage {
		return "an"
	}
	return "a"
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && n < len(s) && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n] + "…"
}

// find returns the layer object at addr in a template's JSON tree.
func find(root map[string]any, addr []int) map[string]any {
	obj := root
	for _, i := range addr {
		key := "layers"
		if i < 0 {
			key, i = "background_layers", -1-i
		}
		obj = obj[key].([]any)[i].(map[string]any)
	}
	return obj
}

// removeHidden drops the layers named in hidden from every layer array.
func removeHidden(obj map[string]any, hidden map[string]bool) {
	for _, key := range []string{"layers", "background_layers"} {
		arr, ok := obj[key].([]any)
		if !ok {
			continue
		}
		kept := arr[:0]
		for _, item := range arr {
			l, _ := item.(map[string]any)
			if name, _ := l["name"].(string); name != "" && hidden[name] {
				continue
			}
			removeHidden(l, hidden)
			kept = append(kept, item)
		}
		obj[key] = kept
	}
}

// layerPaths maps each layer name to its JSON path in the tree.
func layerPaths(root map[string]any) map[string]string {
	out := map[string]string{}
	var visit func(obj map[string]any, path string)
	visit = func(obj map[string]any, path string) {
		for _, key := range []string{"layers", "background_layers"} {
			arr, _ := obj[key].([]any)
			for i, item := range arr {
				l, ok := item.(map[string]any)
				if !ok {
					continue
				}
				p := fmt.Sprintf("%s[%d]", key, i)
				if path != "" {
					p = path + "." + p
				}
				if name, _ := l["name"].(string); name != "" {
					out[name] = p
				}
				visit(l, p)
			}
		}
	}
	visit(root, "")
	return out
}

func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = deepCopy(e)
		}
		return m
	case []any:
		a := make([]any, len(x))
		for i, e := range x {
			a[i] = deepCopy(e)
		}
		return a
	}
	return v
}
