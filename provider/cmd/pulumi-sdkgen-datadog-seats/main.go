// Command pulumi-sdkgen-datadog-seats writes the TypeScript, Go and Python SDKs of the
// datadog-seats provider from its schema, with Pulumi's own code generators (pkg/v3/codegen) at the
// engine's pin.
//
//	pulumi-sdkgen-datadog-seats -schema provider/pulumi_datadog_seats/plugin/schema.json -out sdk
//
// writes sdk/nodejs, sdk/go and sdk/python. `pulumi package gen-sdk` would do the same through the
// language hosts, but the hosts that can be built here (sdk/v3 v3.68.0) do not implement
// GeneratePackage, so this program calls the generators directly.
//
// Each language directory belongs to the generator, except the files it does not write
// (README.md, by hand; go.sum, by `go mod tidy` in scripts/gen-sdk; package-lock.json, by
// npm) and the build output and dependencies that .gitignore keeps out of git (bin/,
// node_modules/; build/, dist/, *.egg-info/ and __pycache__/ of Python): files a previous
// schema generated and this one does not are removed.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/blang/semver"
	gogen "github.com/pulumi/pulumi/pkg/v3/codegen/go"
	nodejsgen "github.com/pulumi/pulumi/pkg/v3/codegen/nodejs"
	pythongen "github.com/pulumi/pulumi/pkg/v3/codegen/python"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
)

// tool is the name the generators write into the header of every generated file.
const tool = "pulumi-sdkgen-datadog-seats"

// notGenerated are the files of a language directory that the generator never writes nor
// removes; kept are its top-level directories that the generator never looks into.
var (
	notGenerated = map[string]bool{"README.md": true, "go.sum": true, "package-lock.json": true}
	kept         = map[string]bool{"bin": true, "node_modules": true, "build": true, "dist": true}
)

// isKept reports whether the generator leaves the directory rel (relative to a language
// directory) alone: kept, or what building or importing the Python SDK leaves anywhere.
func isKept(rel string) bool {
	base := filepath.Base(rel)
	return kept[rel] || base == "__pycache__" || strings.HasSuffix(base, ".egg-info")
}

func main() {
	schemaPath := flag.String("schema", "", "the package schema (schema.json)")
	out := flag.String("out", "", "the directory that receives nodejs/, go/ and python/")
	languages := flag.String("languages", "nodejs,go,python", "comma-separated languages to generate")
	flag.Parse()
	if *schemaPath == "" || *out == "" || flag.NArg() != 0 {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(*schemaPath, *out, strings.Split(*languages, ",")); err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", tool, err)
		os.Exit(1)
	}
}

func run(schemaPath, out string, languages []string) error {
	for _, language := range languages {
		// Bind anew for each language: the generators record their settings in the package.
		pkg, err := bind(schemaPath)
		if err != nil {
			return err
		}
		var files map[string][]byte
		switch language {
		case "nodejs":
			files, err = nodejsgen.GeneratePackage(tool, pkg, nil, nil, false, noLoader{})
			// The package's README is ours (sdk/nodejs/README.md); the generator's would be
			// the schema's description.
			delete(files, "README.md")
			if err == nil {
				err = refusePack(files)
			}
		case "go":
			files, err = gogen.GeneratePackage(tool, pkg, nil)
		case "python":
			// sdk/python/README.md is ours too; the generator writes only the package's own
			// (pulumi_datadog_seats_sdk/README.md, from the schema's description).
			files, err = pythongen.GeneratePackage(tool, pkg, nil, noLoader{})
			if err == nil {
				err = spdxLicense(files)
			}
		default:
			return fmt.Errorf("unknown language %q (nodejs, go, python)", language)
		}
		if err != nil {
			return fmt.Errorf("generating the %s SDK: %w", language, err)
		}
		if err := write(filepath.Join(out, language), files); err != nil {
			return err
		}
	}
	return nil
}

// prepack is the script `npm pack` (and `npm publish`) runs first in sdk/nodejs: that
// directory holds the TypeScript sources, and a package of them fails only when a program
// loads it. scripts/build-nodejs-sdk packs the compiled package, from which it removes
// this script.
const prepack = `echo 'sdk/nodejs holds the TypeScript sources, not the package:` +
	` build the package with scripts/build-nodejs-sdk and npm install the .tgz it prints.' >&2; exit 1`

// refusePack adds the prepack script to the generated package.json, after its build script.
func refusePack(files map[string][]byte) error {
	const build = `"build": "tsc"`
	var script bytes.Buffer
	encoder := json.NewEncoder(&script)
	encoder.SetEscapeHTML(false) // `>&2` as it is, not `\u003e\u00262`
	if err := encoder.Encode(prepack); err != nil {
		return err
	}
	manifest := files["package.json"]
	if bytes.Count(manifest, []byte(build)) != 1 {
		return fmt.Errorf("the generated package.json has no single %s to put prepack after", build)
	}
	files["package.json"] = bytes.Replace(manifest, []byte(build),
		[]byte(build+",\n        \"prepack\": "+strings.TrimSpace(script.String())), 1)
	return nil
}

// spdxLicense rewrites the license of the Python SDK's pyproject.toml from the table the
// generator writes, `[project.license] text = "..."`, to the SPDX string of PEP 639,
// `license = "..."`, and requires a setuptools that reads it (77 or later): setuptools
// deprecates the table and stops supporting builds that use it after 2027-02-18.
func spdxLicense(files map[string][]byte) error {
	const name = "pyproject.toml"
	text := string(files[name])
	table := regexp.MustCompile(`(?m)^  \[project\.license\]\n    text = ("[^"\n]*")\n`)
	found := table.FindStringSubmatch(text)
	const setuptools = `requires = ["setuptools>=61.0"]`
	if found == nil || !strings.Contains(text, setuptools) || !strings.HasPrefix(text, "[project]\n") {
		return fmt.Errorf("the Python generator's %s is not shaped as expected:\n%s", name, text)
	}
	text = table.ReplaceAllString(text, "")
	text = strings.Replace(text, "[project]\n", "[project]\n  license = "+found[1]+"\n", 1)
	text = strings.Replace(text, setuptools, `requires = ["setuptools>=77"]`, 1)
	files[name] = []byte(text)
	return nil
}

// bind reads the schema and binds it with Pulumi's validation (the metaschema and the
// binder's own checks): a schema the engine would reject generates nothing.
func bind(schemaPath string) (*schema.Package, error) {
	raw, err := os.ReadFile(schemaPath)
	if err != nil {
		return nil, err
	}
	var spec schema.PackageSpec
	decoder := json.NewDecoder(bytes.NewReader(raw))
	decoder.DisallowUnknownFields()
	if err := decoder.Decode(&spec); err != nil {
		return nil, fmt.Errorf("reading %s: %w", schemaPath, err)
	}
	if _, err := semver.Parse(spec.Version); err != nil {
		return nil, fmt.Errorf("%s: the version %q is not semver: %w", schemaPath, spec.Version, err)
	}
	pkg, diags, err := schema.BindSpec(spec, noLoader{}, schema.ValidationOptions{})
	if err != nil {
		return nil, fmt.Errorf("binding %s: %w", schemaPath, err)
	}
	if diags.HasErrors() {
		return nil, fmt.Errorf("binding %s: %w", schemaPath, diags)
	}
	return pkg, nil
}

// write makes dir hold exactly files (plus the hand-written and kept entries).
func write(dir string, files map[string][]byte) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	var stale []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		if d.IsDir() {
			if isKept(rel) {
				return filepath.SkipDir
			}
			return nil
		}
		if _, ok := files[filepath.ToSlash(rel)]; !ok && !notGenerated[rel] {
			stale = append(stale, path)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, path := range stale {
		if err := os.Remove(path); err != nil {
			return err
		}
	}
	if err := removeEmptyDirs(dir); err != nil {
		return err
	}
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if notGenerated[name] {
			return fmt.Errorf("the generator wrote %s, which it must leave alone", name)
		}
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, files[name], 0o644); err != nil {
			return err
		}
	}
	return nil
}

// removeEmptyDirs removes the directories under root (not root) left empty.
func removeEmptyDirs(root string) error {
	var dirs []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && path != root {
			if rel, _ := filepath.Rel(root, path); isKept(rel) {
				return filepath.SkipDir
			}
			dirs = append(dirs, path)
		}
		return nil
	})
	if err != nil {
		return err
	}
	// Deepest first.
	sort.Sort(sort.Reverse(sort.StringSlice(dirs)))
	for _, d := range dirs {
		if entries, err := os.ReadDir(d); err == nil && len(entries) == 0 {
			if err := os.Remove(d); err != nil {
				return err
			}
		}
	}
	return nil
}

// noLoader refuses to load packages: the schema references none, and the generators ask a
// loader only for the packages a schema depends on.
type noLoader struct{}

var errNoPackages = errors.New("the datadog-seats schema references no other package")

func (noLoader) LoadPackage(string, *semver.Version) (*schema.Package, error) {
	return nil, errNoPackages
}

func (noLoader) LoadPackageV2(context.Context, *schema.PackageDescriptor) (*schema.Package, error) {
	return nil, errNoPackages
}

func (noLoader) LoadPackageReference(string, *semver.Version) (schema.PackageReference, error) {
	return nil, errNoPackages
}

func (noLoader) LoadPackageReferenceV2(
	context.Context, *schema.PackageDescriptor,
) (schema.PackageReference, error) {
	return nil, errNoPackages
}
