// Command sdkgen generates keyplane's Python SDK from schema.json with the code generator of
// github.com/pulumi/pulumi/pkg/v3 (pulumi package gen-sdk needs a language host that
// implements GeneratePackage, which the hosts we can build do not).
//
//	go run . <schema.json> <out dir>
//
// The out dir is replaced by the generated files.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/blang/semver"
	"github.com/pulumi/pulumi/pkg/v3/codegen/python"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
)

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "sdkgen: "+format+"\n", args...)
	os.Exit(1)
}

// noLoader refuses every other package: the schema refers to none (only pulumi.json's builtins).
type noLoader struct{}

func (noLoader) LoadPackage(pkg string, _ *semver.Version) (*schema.Package, error) {
	return nil, fmt.Errorf("schema.json refers to package %q; sdkgen loads no other packages", pkg)
}

func (l noLoader) LoadPackageV2(_ context.Context, d *schema.PackageDescriptor) (*schema.Package, error) {
	return l.LoadPackage(d.Name, nil)
}

func (noLoader) LoadPackageReference(pkg string, _ *semver.Version) (schema.PackageReference, error) {
	return nil, fmt.Errorf("schema.json refers to package %q; sdkgen loads no other packages", pkg)
}

func (l noLoader) LoadPackageReferenceV2(_ context.Context, d *schema.PackageDescriptor) (schema.PackageReference, error) {
	return l.LoadPackageReference(d.Name, nil)
}

func main() {
	if len(os.Args) != 3 {
		fail("usage: sdkgen <schema.json> <out dir>")
	}
	raw, err := os.ReadFile(os.Args[1])
	if err != nil {
		fail("%v", err)
	}
	var spec schema.PackageSpec
	if err := json.Unmarshal(raw, &spec); err != nil {
		fail("%s: %v", os.Args[1], err)
	}
	pkg, diags, err := schema.BindSpec(spec, noLoader{}, schema.ValidationOptions{})
	if err != nil {
		fail("binding the schema: %v", err)
	}
	if diags.HasErrors() {
		fail("the schema has errors: %v", diags)
	}
	files, err := python.GeneratePackage("keyplane-sdkgen", pkg, map[string][]byte{}, noLoader{})
	if err != nil {
		fail("generating the Python SDK: %v", err)
	}
	out := os.Args[2]
	if err := os.RemoveAll(out); err != nil {
		fail("%v", err)
	}
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		p := filepath.Join(out, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			fail("%v", err)
		}
		if err := os.WriteFile(p, files[name], 0o644); err != nil {
			fail("%v", err)
		}
	}
	fmt.Printf("sdkgen: wrote %d files to %s\n", len(names), out)
}
