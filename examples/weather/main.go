// Command weather is the kernel guide's "putting it together" in Go: a host
// registers a weather service, declares the system subcluster
// "weather-system" whose vat (weather-vat.ts, the guide's code unchanged)
// keeps the service in baggage, and asks it for a report. Then it stops the
// kernel, makes a new one over the same store, and asks again: the vat is
// restored, not relaunched, and finds the service in its baggage.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/ocapgo/ocap"
	"github.com/ocapgo/ocap/platform"
	"github.com/ocapgo/ocap/store"
)

// WeatherService is the host's weather data; a vat calls it with
// E(weatherService).getTemperature(city) and .getForecast(city, days).
type WeatherService struct{}

// GetTemperature returns a made-up but stable temperature in °C.
func (WeatherService) GetTemperature(ctx context.Context, city string) (int, error) {
	if city == "" {
		return 0, fmt.Errorf("no city given")
	}
	sum := 0
	for _, r := range city {
		sum += int(r)
	}
	return 5 + sum%20, nil
}

// GetForecast returns one word per day.
func (WeatherService) GetForecast(ctx context.Context, city string, days int) ([]string, error) {
	if days < 0 || days > 14 {
		return nil, fmt.Errorf("days must be between 0 and 14, got %d", days)
	}
	kinds := []string{"sunny", "cloudy", "rain", "windy", "snow"}
	out := make([]string, days)
	for i := range out {
		out[i] = kinds[(len(city)+i)%len(kinds)]
	}
	return out, nil
}

func main() {
	db := flag.String("db", "sqlite://"+filepath.Join(os.TempDir(), "ocap-weather.db"), "kernel store URL")
	city := flag.String("city", "Paris", "city to report on")
	flag.Parse()
	if err := run(os.Stdout, *db, *city); err != nil {
		fmt.Fprintln(os.Stderr, "weather:", err)
		os.Exit(1)
	}
}

func run(out io.Writer, dbURL, city string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	logger := hclog.New(&hclog.LoggerOptions{Name: "weather", Level: hclog.Warn, Output: os.Stderr})
	config := ocap.ClusterConfig{
		Bootstrap: "weatherVat",
		Services:  []string{"weatherService", "kernelFacet"},
		Vats: map[string]ocap.VatConfig{
			"weatherVat": {
				SourceSpec: "./weather-vat.ts",
				Parameters: map[string]any{"defaultCity": "London"},
			},
		},
		Dir: exampleDir(),
	}
	for _, phase := range []string{"first kernel", "after restart"} {
		db, err := store.Open(ctx, dbURL)
		if err != nil {
			return err
		}
		k, err := ocap.Make(ctx, platform.New(platform.Options{Logger: logger}), db, ocap.Options{
			Logger:            logger,
			KernelServices:    []ocap.KernelService{{Name: "weatherService", Object: WeatherService{}}},
			SystemSubclusters: []ocap.SystemSubclusterConfig{{Name: "weather-system", Config: config}},
		})
		if err != nil {
			db.Close()
			return err
		}
		report, err := ask(ctx, k, city)
		stopErr := k.Stop(ctx)
		db.Close()
		if err != nil {
			return err
		}
		if stopErr != nil {
			return stopErr
		}
		fmt.Fprintf(out, "%s: %s\n", phase, report)
	}
	return nil
}

func ask(ctx context.Context, k *ocap.Kernel, city string) (string, error) {
	root, err := k.GetSystemSubclusterRoot("weather-system")
	if err != nil {
		return "", err
	}
	out, err := k.QueueMessage(ctx, root, "getWeatherReport", []any{city})
	if err != nil {
		return "", err
	}
	v, err := out.Unmarshal()
	if err != nil {
		return "", err
	}
	report, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("getWeatherReport returned %v, not a string", v)
	}
	return report, nil
}

// exampleDir finds weather-vat.ts: beside this source file when it is
// there (go run, tests), else ./examples/weather.
func exampleDir() string {
	if _, file, _, ok := runtime.Caller(0); ok {
		dir := filepath.Dir(file)
		if _, err := os.Stat(filepath.Join(dir, "weather-vat.ts")); err == nil {
			return dir
		}
	}
	return strings.TrimSuffix(filepath.Join("examples", "weather"), "/")
}
