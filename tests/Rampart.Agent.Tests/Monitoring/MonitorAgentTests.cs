using System.Text.Json;
using System.Text.RegularExpressions;
using Rampart.Core.Control;
using Rampart.Core.Monitoring;

namespace Rampart.Agent.Tests.Monitoring;

/// <summary>The real rampartd on two hosts (network namespaces) with manual SAs: the monitor and the metrics endpoint.</summary>
public sealed partial class MonitorAgentTests
{
    private const string KeyAToB = "aes-gcm-128:00112233445566778899aabbccddeeff00112233";
    private const string KeyBToA = "aes-gcm-128:ffeeddccbbaa99887766554433221100ffeeddcc";
    private const uint SpiAToB = 3_000_000_001;
    private const uint SpiBToA = 3_000_000_002;

    [Fact]
    public async Task Monitor_OnARealAgent_ListsTheSaPair_AndItsByteCountersGrowWithTraffic()
    {
        using var hosts = new AgentsInNamespaces(metricsOnA: "127.0.0.1:9477");
        foreach (var home in new[] { hosts.HomeA, hosts.HomeB })
        {
            await AgentsInNamespaces.Ask(home, "sa.add", new { Src = AgentsInNamespaces.AddressA, Dst = AgentsInNamespaces.AddressB, Spi = SpiAToB, Aead = KeyAToB });
            await AgentsInNamespaces.Ask(home, "sa.add", new { Src = AgentsInNamespaces.AddressB, Dst = AgentsInNamespaces.AddressA, Spi = SpiBToA, Aead = KeyBToA });
        }

        AgentsInNamespaces.Exec(hosts.A, "ping", "-c", "2", "-i", "0.2", "-W", "2", AgentsInNamespaces.AddressB);
        var first = await Snapshot(hosts.HomeA);
        AgentsInNamespaces.Exec(hosts.A, "ping", "-c", "5", "-i", "0.2", "-W", "2", AgentsInNamespaces.AddressB);
        var second = await Snapshot(hosts.HomeA);

        var row = Assert.Single(first.Associations);
        Assert.Equal(MonitoredAssociation.SelectorPolicy, row.Policy);
        Assert.Equal(AgentsInNamespaces.AddressA, row.Source);
        Assert.Equal(AgentsInNamespaces.AddressB, row.Destination);
        Assert.Equal("ESP AES-GCM-128", row.Security);
        Assert.Equal("transport", row.Mode);
        Assert.Equal("secured", row.Status);
        Assert.Equal(SpiAToB, row.OutboundSpi);
        Assert.Equal(SpiBToA, row.InboundSpi);
        Assert.True(row.BytesSent >= 2 * 64, $"2 pings of 64 ICMP bytes sent, monitor says {row.BytesSent}");
        Assert.True(row.BytesReceived >= 2 * 64, $"2 replies received, monitor says {row.BytesReceived}");
        var grown = Assert.Single(second.Associations);
        Assert.True(grown.BytesSent >= row.BytesSent + (5 * 64), $"bytes sent {row.BytesSent} -> {grown.BytesSent} after 5 more pings");
        Assert.True(grown.BytesReceived >= row.BytesReceived + (5 * 64), $"bytes received {row.BytesReceived} -> {grown.BytesReceived}");
        Assert.Equal(2, second.Statistics.ActiveAssociations);
        Assert.Equal(grown.BytesSent, second.Statistics.ConfidentialBytesSent);
        Assert.Equal(grown.BytesReceived, second.Statistics.AuthenticatedBytesReceived);

        var scrape = AgentsInNamespaces.Exec(hosts.A, "curl", "-sf", "--max-time", "10", "http://127.0.0.1:9477/metrics");
        var sent = SentBytes().Match(scrape);
        Assert.True(sent.Success, "no confidential bytes counter in the scrape:\n" + scrape);
        Assert.True(long.Parse(sent.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) >= grown.BytesSent);
        Assert.Contains("rampart_ipsec_active_associations 2\n", scrape, StringComparison.Ordinal);
    }

    private static async Task<MonitorSnapshot> Snapshot(string home) =>
        (await AgentsInNamespaces.Ask(home, "monitor.snapshot")).Deserialize<MonitorSnapshot>(ControlJson.Options)!;

    [GeneratedRegex("""rampart_ipsec_confidential_bytes_total\{direction="sent"\} (\d+)\n""")]
    private static partial Regex SentBytes();
}
