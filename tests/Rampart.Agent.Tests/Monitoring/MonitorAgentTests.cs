using System.Text.Json;
using System.Text.RegularExpressions;
using Rampart.Core.Control;
using Rampart.Core.Monitoring;
using Rampart.Lab;

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
        Prerequisites.Require("ping", "curl");
        using var pair = new NetworkNamespacePair();
        var a = new AgentHost(pair, pair.A).Start("RAMPART_METRICS=127.0.0.1:9477");
        var b = new AgentHost(pair, pair.B).Start();
        foreach (var host in new[] { a, b })
        {
            await host.ControlAsync("sa.add", new { Src = NetworkNamespacePair.AddressA, Dst = NetworkNamespacePair.AddressB, Spi = SpiAToB, Aead = KeyAToB });
            await host.ControlAsync("sa.add", new { Src = NetworkNamespacePair.AddressB, Dst = NetworkNamespacePair.AddressA, Spi = SpiBToA, Aead = KeyBToA });
        }

        NetworkNamespacePair.Exec(pair.A, "ping", "-c", "2", "-i", "0.2", "-W", "2", NetworkNamespacePair.AddressB).EnsureSuccess("ping");
        var first = await Snapshot(a);
        NetworkNamespacePair.Exec(pair.A, "ping", "-c", "5", "-i", "0.2", "-W", "2", NetworkNamespacePair.AddressB).EnsureSuccess("ping");
        var second = await Snapshot(a);

        var row = Assert.Single(first.Associations);
        Assert.Equal(MonitoredAssociation.SelectorPolicy, row.Policy);
        Assert.Equal(NetworkNamespacePair.AddressA, row.Source);
        Assert.Equal(NetworkNamespacePair.AddressB, row.Destination);
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

        var scrape = NetworkNamespacePair.Exec(pair.A, "curl", "-sf", "--max-time", "10", "http://127.0.0.1:9477/metrics").EnsureSuccess("curl").Output;
        var sent = SentBytes().Match(scrape);
        Assert.True(sent.Success, "no confidential bytes counter in the scrape:\n" + scrape);
        Assert.True(long.Parse(sent.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) >= grown.BytesSent);
        Assert.Contains("rampart_ipsec_active_associations 2\n", scrape, StringComparison.Ordinal);
    }

    private static async Task<MonitorSnapshot> Snapshot(AgentHost host) =>
        (await host.ControlAsync("monitor.snapshot")).Deserialize<MonitorSnapshot>(ControlJson.Options)!;

    [GeneratedRegex("""rampart_ipsec_confidential_bytes_total\{direction="sent"\} (\d+)\n""")]
    private static partial Regex SentBytes();
}
