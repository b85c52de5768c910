package main

// Locating config paths (`steps.prepared.processor.size`) in the Jsonnet source, for
// `formed workflow check --format json`. The evaluator keeps no record of where a value came
// from, so this reads the program's syntax tree, as written, with go-jsonnet's own parser: it
// follows object literals by field name through `local`s, variables, `+` and `{...}` merges
// (the right side first: its fields win), `import`s, parentheses, `a.b` indexing, both branches
// of an `if`, a top-level function's body, and object comprehensions whose field name has a
// literal prefix or suffix (`['count_' + n]: ...`: the template every generated field shares).
// Where it cannot follow (a function call, `self`, a computed name), it answers with the
// deepest field it reached and how much of the path that was.

import (
	"bytes"
	"strings"
	"unicode/utf8"

	"github.com/google/go-jsonnet"
	"github.com/google/go-jsonnet/ast"
	"github.com/google/go-jsonnet/formatter"
)

// location is one answer: where the longest located prefix of Path (Found) is written.
type location struct {
	Path      string `json:"path"`
	Found     string `json:"found"`
	File      string `json:"file,omitempty"`
	Line      int    `json:"line,omitempty"`
	Column    int    `json:"column,omitempty"`
	EndLine   int    `json:"endLine,omitempty"`
	EndColumn int    `json:"endColumn,omitempty"`
	// Template: found in an object comprehension, whose one field makes every generated one.
	Template bool `json:"template,omitempty"`
}

type sourceFile struct {
	path string
	data []byte
	root ast.Node
}

// scope binds local names to the expressions they stand for (nil: a value not known statically,
// such as a function parameter or a loop variable, which hides an outer binding of the name).
type scope struct {
	name   string
	node   ast.Node
	file   *sourceFile
	env    *scope
	parent *scope
}

func (s *scope) lookup(name string) (*scope, bool) {
	for at := s; at != nil; at = at.parent {
		if at.name == name {
			return at, true
		}
	}
	return nil, false
}

func bind(env *scope, name string, node ast.Node, file *sourceFile) *scope {
	return &scope{name: name, node: node, file: file, parent: env}
}

// hit is how far a search got: the field it reached (nil: none), in which file, and the rest
// of the path still to find. template marks a match through a comprehension's field; guess,
// through one whose name has no literal part (any name could be one of its fields).
type hit struct {
	at       *ast.LocationRange
	file     *sourceFile
	rest     string
	template bool
	guess    bool
}

func better(a, b hit) hit {
	if len(b.rest) < len(a.rest) {
		return b
	}
	return a
}

type locator struct {
	vm    *jsonnet.VM
	files map[string]*sourceFile
	depth int
}

const maxDepth = 200

func locatePaths(vm *jsonnet.VM, filename string, code *string, paths []string) ([]location, error) {
	l := &locator{vm: vm, files: map[string]*sourceFile{}}
	var main *sourceFile
	var err error
	if code != nil {
		main, err = parseSource(filename, []byte(*code))
	} else {
		main, err = l.load("", filename)
	}
	if err != nil {
		return nil, err
	}
	answers := make([]location, 0, len(paths))
	for _, path := range paths {
		h := l.find(main.root, main, nil, path, hit{rest: path})
		answer := location{Path: path, Found: strings.TrimSuffix(path[:len(path)-len(h.rest)], "."), Template: h.template}
		if h.at != nil {
			answer.File = h.file.path
			answer.Line, answer.Column = h.at.Begin.Line, utf16Column(h.file.data, h.at.Begin)
			answer.EndLine, answer.EndColumn = h.at.End.Line, utf16Column(h.file.data, h.at.End)
		}
		answers = append(answers, answer)
	}
	return answers, nil
}

func parseSource(path string, data []byte) (*sourceFile, error) {
	data = bytes.TrimPrefix(data, utf8BOM)
	root, _, err := formatter.SnippetToRawAST(path, string(data))
	if err != nil {
		return nil, err
	}
	return &sourceFile{path: path, data: data, root: root}, nil
}

// load reads a file as `import` would from importedFrom (the same importer and search paths).
func (l *locator) load(importedFrom, path string) (*sourceFile, error) {
	contents, foundAt, err := l.vm.ImportData(importedFrom, path)
	if err != nil {
		return nil, err
	}
	if file, ok := l.files[foundAt]; ok {
		return file, nil
	}
	file, err := parseSource(foundAt, []byte(contents))
	if err != nil {
		return nil, err
	}
	l.files[foundAt] = file
	return file, nil
}

// find follows `best.rest` from the value of `node`; best is what was found so far.
func (l *locator) find(node ast.Node, file *sourceFile, env *scope, rest string, best hit) hit {
	if rest == "" || node == nil || l.depth > maxDepth {
		return best
	}
	l.depth++
	defer func() { l.depth-- }()
	switch n := node.(type) {
	case *ast.Parens:
		return l.find(n.Inner, file, env, rest, best)
	case *ast.Local:
		inner := env
		for _, b := range n.Binds {
			inner = bind(inner, string(b.Variable), bindBody(b), file)
		}
		setEnv(inner, env)
		return l.find(n.Body, file, inner, rest, best)
	case *ast.Var:
		bound, ok := env.lookup(string(n.Id))
		if !ok || bound.node == nil {
			return best
		}
		return l.find(bound.node, bound.file, bound.env, rest, best)
	case *ast.Import:
		imported, err := l.load(file.path, n.File.Value)
		if err != nil {
			return best
		}
		return l.find(imported.root, imported, nil, rest, best)
	case *ast.Binary:
		if n.Op != ast.BopPlus {
			return best
		}
		return l.merged(n.Left, n.Right, file, env, rest, best)
	case *ast.ApplyBrace:
		return l.merged(n.Left, n.Right, file, env, rest, best)
	case *ast.Conditional:
		return better(l.find(n.BranchTrue, file, env, rest, best), l.find(n.BranchFalse, file, env, rest, best))
	case *ast.Function:
		inner := env
		for _, p := range n.Parameters {
			inner = bind(inner, string(p.Name), nil, file)
		}
		return l.find(n.Body, file, inner, rest, best)
	case *ast.Assert:
		return l.find(n.Rest, file, env, rest, best)
	case *ast.Index:
		name, ok := indexName(n)
		if !ok {
			return best
		}
		found := l.find(n.Target, file, env, name+"."+rest, hit{rest: name + "." + rest})
		if found.at == nil || len(found.rest) >= len(rest) {
			return best
		}
		return found
	case *ast.Object:
		return l.object(n.Fields, nil, file, env, rest, best)
	case *ast.ObjectComp:
		return l.object(n.Fields, &n.Spec, file, env, rest, best)
	case *ast.Array:
		index, after, ok := arrayIndex(rest, len(n.Elements))
		if !ok {
			return best
		}
		element := n.Elements[index].Expr
		here := hit{at: element.Loc(), file: file, rest: after, template: best.template}
		return l.find(element, file, env, after, here)
	}
	return best
}

// merged: `left + right` or `left { right }`; right's fields win, so it is searched first.
func (l *locator) merged(left, right ast.Node, file *sourceFile, env *scope, rest string, best hit) hit {
	fromRight := l.find(right, file, env, rest, best)
	if fromRight.rest == "" && !fromRight.template {
		return fromRight
	}
	fromLeft := l.find(left, file, env, rest, best)
	if len(fromLeft.rest) != len(fromRight.rest) {
		return better(fromRight, fromLeft)
	}
	// As far on both sides: a literal field beats a comprehension's template, a template
	// beats a guess; two guesses could each be the one, so neither is taken.
	switch {
	case fromRight.guess && fromLeft.guess:
		return best
	case fromRight.guess || (fromRight.template && !fromLeft.template):
		return fromLeft
	}
	return fromRight
}

// object searches the fields of an object literal, or of a comprehension (spec != nil).
func (l *locator) object(fields ast.ObjectFields, spec *ast.ForSpec, file *sourceFile, env *scope, rest string, best hit) hit {
	inner := env
	for s := spec; s != nil; s = s.Outer {
		inner = bind(inner, string(s.VarName), nil, file)
	}
	outer := inner
	for _, f := range fields {
		if f.Kind == ast.ObjectLocal && f.Id != nil {
			inner = bind(inner, string(*f.Id), localBody(f), file)
		}
	}
	setEnv(inner, outer)
	var chosen *ast.ObjectField
	after := ""
	guess := false
	for i := range fields {
		f := &fields[i]
		name, static := fieldName(f)
		if f.Kind == ast.ObjectLocal || f.Kind == ast.ObjectAssert {
			continue
		}
		if static && spec == nil {
			if remaining, ok := cut(rest, name); ok && (chosen == nil || len(remaining) < len(after)) {
				chosen, after = f, remaining
			}
		} else if spec != nil && chosen == nil {
			remaining, matched, literal := matchPattern(f, rest)
			if matched {
				chosen, after, guess = f, remaining, !literal
			}
		}
	}
	if chosen == nil {
		return best
	}
	here := hit{at: &chosen.LocRange, file: file, rest: after, template: best.template || spec != nil, guess: best.guess || guess}
	if chosen.Method != nil {
		return here
	}
	return l.find(chosen.Expr2, file, inner, after, here)
}

// fieldName is a field's name when it is written as a literal.
func fieldName(f *ast.ObjectField) (string, bool) {
	switch f.Kind {
	case ast.ObjectFieldID:
		if f.Id != nil {
			return string(*f.Id), true
		}
	case ast.ObjectFieldStr, ast.ObjectFieldExpr:
		if s, ok := unparen(f.Expr1).(*ast.LiteralString); ok {
			return s.Value, true
		}
	}
	return "", false
}

// matchPattern: a comprehension's computed name against the path's next segment (a generated
// name is taken as one segment). `'prefix' + x` and `x + 'suffix'` match by their literal part
// (literal); any other name matches every segment.
func matchPattern(f *ast.ObjectField, rest string) (after string, matched bool, literal bool) {
	segment, after, _ := strings.Cut(rest, ".")
	binary, ok := unparen(f.Expr1).(*ast.Binary)
	if !ok || binary.Op != ast.BopPlus {
		return after, true, false
	}
	prefix, hasPrefix := unparen(binary.Left).(*ast.LiteralString)
	suffix, hasSuffix := unparen(binary.Right).(*ast.LiteralString)
	switch {
	case hasPrefix:
		return after, strings.HasPrefix(segment, prefix.Value), true
	case hasSuffix:
		return after, strings.HasSuffix(segment, suffix.Value), true
	}
	return after, true, false
}

func unparen(node ast.Node) ast.Node {
	for {
		p, ok := node.(*ast.Parens)
		if !ok {
			return node
		}
		node = p.Inner
	}
}

// cut: rest without `name` and its dot, when rest starts with that whole segment (names may hold dots).
func cut(rest, name string) (string, bool) {
	if rest == name {
		return "", true
	}
	if strings.HasPrefix(rest, name+".") {
		return rest[len(name)+1:], true
	}
	return "", false
}

func arrayIndex(rest string, length int) (int, string, bool) {
	segment, after, _ := strings.Cut(rest, ".")
	index := 0
	if segment == "" {
		return 0, "", false
	}
	for _, c := range segment {
		if c < '0' || c > '9' {
			return 0, "", false
		}
		index = index*10 + int(c-'0')
		if index >= length {
			return 0, "", false
		}
	}
	return index, after, true
}

func indexName(n *ast.Index) (string, bool) {
	if n.Id != nil {
		return string(*n.Id), true
	}
	if s, ok := unparen(n.Index).(*ast.LiteralString); ok {
		return s.Value, true
	}
	return "", false
}

// bindBody: what a `local` name stands for; a function (`local f(x) = ...`) is not followed.
func bindBody(b ast.LocalBind) ast.Node {
	if b.Fun != nil {
		return nil
	}
	return b.Body
}

func localBody(f ast.ObjectField) ast.Node {
	if f.Method != nil {
		return nil
	}
	return f.Expr2
}

// setEnv gives the bindings made since `outer` the scope they see: each other, and outer
// (Jsonnet's locals are mutually recursive).
func setEnv(inner, outer *scope) {
	for at := inner; at != nil && at != outer; at = at.parent {
		at.env = inner
	}
}

// utf16Column turns go-jsonnet's byte column (1-based) into UTF-16 code units (1-based), as
// editors and the Language Server Protocol count them.
func utf16Column(data []byte, at ast.Location) int {
	start := 0
	for line := 1; line < at.Line && start < len(data); line++ {
		next := bytes.IndexByte(data[start:], '\n')
		if next < 0 {
			return at.Column
		}
		start += next + 1
	}
	end := start + at.Column - 1
	if end > len(data) {
		return at.Column
	}
	units := 0
	for text := data[start:end]; len(text) > 0; {
		r, size := utf8.DecodeRune(text)
		if r >= 0x10000 {
			units += 2
		} else {
			units++
		}
		text = text[size:]
	}
	return units + 1
}
