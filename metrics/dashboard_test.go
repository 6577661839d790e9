package metrics

import (
	"encoding/json"
	"strings"
	"testing"
)

// The dashboard works with any Prometheus and any number of kernels: every
// panel and query takes its data source from $datasource, and every series
// a query selects is narrowed to the chosen $instance.
func TestDashboardVariablesUsedByEveryPanel(t *testing.T) {
	const path = "deploy/grafana/dashboards/ocap.json"
	type source struct{ Type, UID string }
	var dash struct {
		Templating struct {
			List []struct{ Name, Type string }
		}
		Panels []struct {
			Title      string
			Datasource source
			Targets    []struct {
				Expr       string
				Datasource source
			}
		}
	}
	if err := json.Unmarshal([]byte(readRepoFile(t, path)), &dash); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	vars := map[string]string{}
	for _, v := range dash.Templating.List {
		vars[v.Name] = v.Type
	}
	if vars["datasource"] != "datasource" || vars["instance"] != "query" {
		t.Fatalf("%s: variables %v; want datasource (a data source) and instance (a query)", path, vars)
	}
	for _, p := range dash.Panels {
		if p.Datasource.UID != "${datasource}" {
			t.Errorf("panel %q: data source %+v, want ${datasource}", p.Title, p.Datasource)
		}
		for _, tg := range p.Targets {
			if tg.Datasource.UID != "${datasource}" {
				t.Errorf("panel %q: a query's data source is %+v, want ${datasource}", p.Title, tg.Datasource)
			}
			for _, loc := range metricName.FindAllStringIndex(tg.Expr, -1) {
				rest := tg.Expr[loc[1]:]
				end := strings.IndexByte(rest, '}')
				if !strings.HasPrefix(rest, "{") || end < 0 || !strings.Contains(rest[:end], `instance=~"$instance"`) {
					t.Errorf("panel %q: %s in %q is not narrowed to $instance", p.Title, tg.Expr[loc[0]:loc[1]], tg.Expr)
				}
			}
		}
	}
}
