package postgres

import (
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// config is what Open needs from a store URL.
type config struct {
	pool     *pgxpool.Config
	schema   string // unquoted schema name
	location string // the URL without password, for Info and errors
	server   string // host:port, for connection errors
}

// synchronousCommits are the values PostgreSQL accepts for
// synchronous_commit.
var synchronousCommits = []string{"on", "off", "local", "remote_write", "remote_apply"}

// parseConfig reads a postgres:// URL. Besides what pgx and pgxpool
// understand, two query parameters matter to the store:
//
//   - search_path names the one schema that holds the store, created when
//     missing; default "public".
//   - synchronous_commit is passed to the server for the store's sessions;
//     default: the server's setting. See the package comment.
//
// Every parameter pgx does not know itself is sent to the server at
// connection time, so both apply to every connection the store makes,
// pooled or not.
func parseConfig(url string) (*config, error) {
	pc, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("parse PostgreSQL URL: %w", err)
	}
	cc := pc.ConnConfig
	params := cc.RuntimeParams

	schema := params["search_path"]
	if schema == "" {
		schema = "public"
	}
	if strings.ContainsAny(schema, `,"`) || len(schema) > 63 {
		return nil, fmt.Errorf("parse PostgreSQL URL: search_path=%s: name exactly one schema, of at most 63 bytes, without quotes", schema)
	}
	// Quoted, so the server takes the name as written, as CREATE SCHEMA does.
	params["search_path"] = pgx.Identifier{schema}.Sanitize()

	if sc, ok := params["synchronous_commit"]; ok {
		valid := false
		for _, v := range synchronousCommits {
			valid = valid || sc == v
		}
		if !valid {
			return nil, fmt.Errorf("parse PostgreSQL URL: synchronous_commit=%s: use one of %s", sc, strings.Join(synchronousCommits, ", "))
		}
	}
	if params["application_name"] == "" {
		// Shown in pg_stat_activity, and in ErrLocked errors of other kernels.
		params["application_name"] = kernelAppPrefix + strconv.Itoa(os.Getpid())
	}
	if cc.ConnectTimeout == 0 {
		cc.ConnectTimeout = 10 * time.Second
	}

	server := net.JoinHostPort(cc.Host, strconv.Itoa(int(cc.Port)))
	if strings.HasPrefix(cc.Host, "/") {
		server = fmt.Sprintf("%s/.s.PGSQL.%d", cc.Host, cc.Port)
	}
	location := fmt.Sprintf("postgres://%s@%s/%s?search_path=%s", cc.User, server, cc.Database, schema)
	return &config{pool: pc, schema: schema, location: location, server: server}, nil
}
