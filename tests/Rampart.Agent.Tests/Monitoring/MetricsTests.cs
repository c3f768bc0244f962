using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using Rampart.Agent.Monitoring;

namespace Rampart.Agent.Tests.Monitoring;

/// <summary>The Rampart meter and its Prometheus text endpoint, read from the same counters as the monitor.</summary>
public sealed class MetricsTests : IDisposable
{
    private readonly MonitorHosts _hosts = new();
    private readonly RampartMetrics _metrics;

    public MetricsTests()
    {
        _metrics = new RampartMetrics(_hosts.Monitor, _hosts.Time);
    }

    [Fact]
    public void Meter_PublishesTheMonitorsNumbers_ToAMeterListener()
    {
        _hosts.InstallSecuredPair();
        _hosts.Exchange(100);
        var seen = new Dictionary<string, long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (ReferenceEquals(instrument.Meter, _metrics.Meter))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            var direction = tags.ToArray().FirstOrDefault(t => t.Key == "direction").Value;
            seen[instrument.Name + (direction is null ? "" : "/" + direction)] = value;
        });
        listener.Start();

        listener.RecordObservableInstruments();

        Assert.Equal(RampartMetrics.MeterName, _metrics.Meter.Name);
        Assert.Equal(2, seen["rampart.ipsec.active_associations"]);
        Assert.Equal(108, seen["rampart.ipsec.confidential_bytes/sent"]);
        Assert.Equal(108, seen["rampart.ipsec.confidential_bytes/received"]);
        Assert.Equal(108, seen["rampart.ipsec.authenticated_bytes/sent"]);
        foreach (var name in new[]
        {
            "rampart.ipsec.bad_spi_packets", "rampart.ipsec.packets_not_decrypted", "rampart.ipsec.packets_not_authenticated",
            "rampart.ipsec.replay_drops", "rampart.ipsec.soft_associations", "rampart.ike.main_modes", "rampart.ike.quick_modes",
            "rampart.ike.authentication_failures", "rampart.ike.negotiation_failures", "rampart.ike.key_additions",
            "rampart.ike.key_deletions", "rampart.ike.rekeys", "rampart.ike.pending_key_operations",
            "rampart.ike.dropped_datagrams", "rampart.ike.half_open_evicted", "rampart.ike.half_open_refused",
            "rampart.audit.failures_summed_up", "rampart.audit.records_dropped",
        })
        {
            Assert.True(seen.ContainsKey(name), $"{name} was not published");
        }
    }

    [Fact]
    public void PrometheusText_WritesCountersWithTotalSuffixAndGauges()
    {
        _hosts.InstallSecuredPair();
        _hosts.Exchange(100);
        using var text = new PrometheusText(_metrics.Meter);

        var scrape = text.Scrape();

        Assert.Contains("# TYPE rampart_ipsec_confidential_bytes_total counter\n", scrape, StringComparison.Ordinal);
        Assert.Contains("rampart_ipsec_confidential_bytes_total{direction=\"sent\"} 108\n", scrape, StringComparison.Ordinal);
        Assert.Contains("rampart_ipsec_confidential_bytes_total{direction=\"received\"} 108\n", scrape, StringComparison.Ordinal);
        Assert.Contains("# TYPE rampart_ipsec_active_associations gauge\n", scrape, StringComparison.Ordinal);
        Assert.Contains("rampart_ipsec_active_associations 2\n", scrape, StringComparison.Ordinal);
        Assert.Contains("rampart_ike_main_modes_total 0\n", scrape, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Endpoint_ServesMetricsOnLoopback_AndTheCountersGrow()
    {
        var port = FreeLoopbackPort();
        var options = MetricsEndpointOptions.Parse($"127.0.0.1:{port}");
        using var endpoint = new PrometheusEndpoint(_metrics, options, NullLogger<PrometheusEndpoint>.Instance);
        await endpoint.StartAsync(CancellationToken.None);
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            _hosts.InstallSecuredPair();
            _hosts.Exchange(100);
            var first = await ScrapeWhenUp(http, port);
            _hosts.Time.Advance(TimeSpan.FromSeconds(1));
            _hosts.Exchange(100);
            var second = await http.GetAsync(new Uri($"http://127.0.0.1:{port}/metrics"));

            Assert.Contains("rampart_ipsec_confidential_bytes_total{direction=\"sent\"} 108\n", first, StringComparison.Ordinal);
            Assert.Equal("text/plain; version=0.0.4; charset=utf-8", second.Content.Headers.ContentType?.ToString());
            Assert.Contains("rampart_ipsec_confidential_bytes_total{direction=\"sent\"} 216\n", await second.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync(new Uri($"http://127.0.0.1:{port}/other"))).StatusCode);
        }
        finally
        {
            await endpoint.StopAsync(CancellationToken.None);
        }
    }

    [Theory]
    [InlineData("192.0.2.1:9477")]
    [InlineData("0.0.0.0:9477")]
    [InlineData("127.0.0.1")]
    [InlineData("localhost:9477")]
    public void EndpointOptions_RefuseAnythingButALoopbackAddressAndPort(string text) =>
        Assert.Throws<ArgumentException>(() => MetricsEndpointOptions.Parse(text));

    [Fact]
    public void EndpointOptions_AcceptLoopback_AndNothingMeansNoEndpoint()
    {
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 9477), MetricsEndpointOptions.Parse("127.0.0.1:9477").Endpoint);
        Assert.Equal(new IPEndPoint(IPAddress.IPv6Loopback, 9477), MetricsEndpointOptions.Parse("[::1]:9477").Endpoint);
        Assert.Null(MetricsEndpointOptions.Parse(null).Endpoint);
        Assert.Null(MetricsEndpointOptions.Parse(" ").Endpoint);
    }

    public void Dispose()
    {
        _metrics.Dispose();
        _hosts.Dispose();
    }

    private static int FreeLoopbackPort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    private static async Task<string> ScrapeWhenUp(HttpClient http, int port)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            try
            {
                return await http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/metrics"));
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }
        }
    }
}
