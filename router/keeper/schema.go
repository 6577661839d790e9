package keeper

import (
	"regexp"
	"strings"
)

// Schema lists every key pattern the kernel writes, as the package doc
// spells them: <key> stands for any text, other <names> for one dotless
// part. Family matches keys against it.
var Schema = []string{
	"kernel.nextKo", "kernel.nextKp", "kernel.nextVat", "kernel.nextSub", "kernel.refcounts",
	"rq.head", "rq.tail", "rq.<n>",
	"gcq.head", "gcq.tail", "gcq.<n>",
	"o.<ko>", "o.<ko>.gone", "o.<ko>.revoked", "o.<ko>.iface", "o.<ko>.refs",
	"kp.<kp>", "kp.<kp>.q.<n>",
	"c.<vat>.<vref>", "c.<vat>.<kref>",
	"vat.<vat>", "vat.<vat>.next", "vs.<vat>.<key>",
	"sc.<sub>", "sys.<name>",
	"bundle.<sha256>",
	"svc.<name>", "svcwait.next", "svcwait.<kref>.<n>", "svccall.<kp>",
	"io.<sub>.<key>",
	"host.<kref>",
}

// What each placeholder matches.
var placeholders = map[string]string{
	"<n>":      `(0|[1-9][0-9]*)`,
	"<ko>":     `ko[1-9][0-9]*`,
	"<kp>":     `kp[1-9][0-9]*`,
	"<kref>":   `k[op][1-9][0-9]*`,
	"<vref>":   `[op][+-](0|[1-9][0-9]*)`,
	"<vat>":    `v[1-9][0-9]*`,
	"<sub>":    `s[1-9][0-9]*`,
	"<sha256>": `[0-9a-f]{64}`,
	"<name>":   `[^.].*`, // service and system subcluster names may hold dots
	"<key>":    `.+`,
}

var schemaPatterns = compileSchema()

func compileSchema() []*regexp.Regexp {
	out := make([]*regexp.Regexp, len(Schema))
	holder := regexp.MustCompile(`<[a-z0-9]+>`)
	for i, pattern := range Schema {
		re := holder.ReplaceAllStringFunc(regexp.QuoteMeta(pattern), func(p string) string {
			if m, ok := placeholders[p]; ok {
				return m
			}
			panic("keeper: schema placeholder " + p + " has no pattern")
		})
		out[i] = regexp.MustCompile("^" + re + "$")
	}
	return out
}

// Family returns the schema pattern key belongs to, the most specific one
// when several match; ok is false for a key the schema does not describe.
func Family(key string) (pattern string, ok bool) {
	best := -1
	for i, re := range schemaPatterns {
		if re.MatchString(key) && (best < 0 || specificity(Schema[i]) > specificity(Schema[best])) {
			best = i
		}
	}
	if best < 0 {
		return "", false
	}
	return Schema[best], true
}

// specificity counts a pattern's literal characters.
func specificity(pattern string) int {
	n := 0
	for _, part := range strings.Split(pattern, "<") {
		if i := strings.IndexByte(part, '>'); i >= 0 {
			part = part[i+1:]
		}
		n += len(part)
	}
	return n
}
