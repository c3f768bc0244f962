using System.Text.Json;
using Rampart.Lab;
using Rampart.TestLab;

namespace Rampart.EndToEnd.Tests;

/// <summary>
/// The walkthrough end to end on two hosts (network namespaces 192.0.2.1 and 192.0.2.2), each with its own rampartd:
/// policies built with the CLI, IKE negotiating on demand, SAs in both data paths, the audit trail.
/// Needs root, iproute2, iptables, ping and tshark; fails (does not skip) without them.
/// </summary>
[Collection(NetnsCollection.Name)]
public sealed class PartnerPolicyTests
{
    private static readonly TimeSpan NegotiationDeadline = TimeSpan.FromSeconds(20);

    [Theory]
    [InlineData("medium", "ah")]
    [InlineData("high", "esp")]
    public async Task PartnerPolicy_NegotiatesOnDemand_AndSecuresPing(string method, string wireProtocol)
    {
        Prerequisites.Require("iptables", "ping", "tshark");
        using var pair = new NetworkNamespacePair();
        using var a = pair.Own(new AgentHost(pair, pair.A, NetworkNamespacePair.AddressA));
        using var b = pair.Own(new AgentHost(pair, pair.B, NetworkNamespacePair.AddressB));
        a.Start();
        b.Start();
        a.BuildPartnerPolicy(b.Address, "ABC123", method);
        b.BuildPartnerPolicy(a.Address, "ABC123", method);
        using var capture = pair.Own(new PacketCapture(pair, pair.A, NetworkNamespacePair.DeviceA));

        Wait.Until(() => a.Ping(b.Address), NegotiationDeadline, "a ping answered through IPsec\n" + a.AgentOutput);
        Assert.True(a.Ping(b.Address), "the second ping must be answered at once");
        Assert.True(b.Ping(a.Address), "the partner's ping uses the same SA pair");

        var saA = a.SaList();
        var saB = b.SaList();
        Assert.Equal(2, saA.Count);
        Assert.Equal(2, saB.Count);
        uint Spi(IReadOnlyList<JsonElement> list, string direction) => list.Single(sa => sa.GetProperty("direction").GetString() == direction).GetProperty("spi").GetUInt32();
        Assert.Equal(Spi(saA, "outbound"), Spi(saB, "inbound"));
        Assert.Equal(Spi(saA, "inbound"), Spi(saB, "outbound"));
        Assert.All(saA, sa => Assert.StartsWith(wireProtocol.ToUpperInvariant(), sa.GetProperty("security").GetString(), StringComparison.Ordinal));

        capture.Stop();
        Assert.NotEmpty(capture.Fields(wireProtocol));
        Assert.Empty(capture.Fields($"icmp && !{wireProtocol}"));
        Assert.Empty(capture.Fields("ip && !udp.port == 500 && !ah && !esp"));

        var established = await a.AuditAsync(541);
        var quickMode = Assert.Single(established, r => Field(r, "Peer IP Address") == b.Address && Field(r, "InboundSpi") is not null);
        Assert.Equal(Spi(saA, "inbound").ToString(System.Globalization.CultureInfo.InvariantCulture), Field(quickMode, "InboundSpi"));
        Assert.Equal(a.Address, Field(quickMode, "Source IP Address"));
        Assert.Equal("255.255.255.255", Field(quickMode, "Destination IP Address Mask"));
        Assert.Equal("Transport Mode", Field(quickMode, "Encapsulation"));
        Assert.DoesNotContain("ABC123", JsonSerializer.Serialize(established), StringComparison.Ordinal);

        var trace = File.ReadAllText(Path.Combine(a.Home, "trace", "ike.log"));
        Assert.Contains("SEND to " + b.Address + ":500", trace, StringComparison.Ordinal);
        Assert.Contains("payloads SecurityAssociation", trace, StringComparison.Ordinal);
        Assert.DoesNotContain("ABC123", trace, StringComparison.Ordinal);

        var status = await a.ControlAsync("ike.status");
        Assert.Equal(1, status.GetProperty("statistics").GetProperty("mainModes").GetInt64());
        Assert.Equal(b.Address + ":500", Assert.Single(status.GetProperty("mainModes").EnumerateArray()).GetProperty("peer").GetString());
    }

    [Fact]
    public async Task TunnelRule_NegotiatesTunnelMode()
    {
        Prerequisites.Require("iptables", "ping", "tshark");
        using var pair = new NetworkNamespacePair();
        using var a = pair.Own(new AgentHost(pair, pair.A, NetworkNamespacePair.AddressA));
        using var b = pair.Own(new AgentHost(pair, pair.B, NetworkNamespacePair.AddressB));
        a.Start();
        b.Start();
        a.BuildPartnerPolicy(b.Address, "ABC123", "high", tunnel: true);
        b.BuildPartnerPolicy(a.Address, "ABC123", "high", tunnel: true);
        using var capture = pair.Own(new PacketCapture(pair, pair.A, NetworkNamespacePair.DeviceA));

        Wait.Until(() => a.Ping(b.Address), NegotiationDeadline, "a ping through the tunnel\n" + a.AgentOutput);

        Assert.All(a.SaList().Concat(b.SaList()), sa => Assert.Equal("tunnel", sa.GetProperty("mode").GetString()));
        var quickMode = Assert.Single(await a.AuditAsync(541), r => Field(r, "InboundSpi") is not null);
        Assert.Equal("Tunnel Mode", Field(quickMode, "Encapsulation"));
        capture.Stop();
        Assert.Empty(capture.Fields("icmp"));
        Assert.NotEmpty(capture.Fields("esp"));
    }

    [Fact]
    public void PartnerPolicy_OverIpv6_NegotiatesAndSecuresPing()
    {
        Prerequisites.Require("iptables", "ip6tables", "ping", "tshark");
        using var pair = new NetworkNamespacePair();
        using var a = pair.Own(new AgentHost(pair, pair.A, NetworkNamespacePair.Address6A));
        using var b = pair.Own(new AgentHost(pair, pair.B, NetworkNamespacePair.Address6B));
        a.Start();
        b.Start();
        a.BuildPartnerPolicy(b.Address, "ABC123", "high");
        b.BuildPartnerPolicy(a.Address, "ABC123", "high");
        using var capture = pair.Own(new PacketCapture(pair, pair.A, NetworkNamespacePair.DeviceA));

        Wait.Until(() => a.Ping(b.Address), NegotiationDeadline, "a ping6 answered through IPsec\n" + a.AgentOutput + b.AgentOutput);
        Assert.True(b.Ping(a.Address), "the partner's ping6 uses the same SA pair");

        Assert.Equal(2, a.SaList().Count);
        Assert.All(a.SaList(), sa => Assert.Equal(b.Address, sa.GetProperty("remote").GetString()));
        capture.Stop();
        Assert.NotEmpty(capture.Fields("ipv6 && esp"));
        Assert.NotEmpty(capture.Fields("ipv6 && udp.port == 500"));
        Assert.Empty(capture.Fields("icmpv6.type == 128 || icmpv6.type == 129"));
    }

    [Fact]
    public async Task WrongPresharedKey_InstallsNoSa_AuditsTheFailure_AndTrafficStaysBlocked()
    {
        Prerequisites.Require("iptables", "ping");
        using var pair = new NetworkNamespacePair();
        using var a = pair.Own(new AgentHost(pair, pair.A, NetworkNamespacePair.AddressA));
        using var b = pair.Own(new AgentHost(pair, pair.B, NetworkNamespacePair.AddressB));
        a.Start();
        b.Start();
        a.BuildPartnerPolicy(b.Address, "ABC123", "medium");
        b.BuildPartnerPolicy(a.Address, "WRONG1", "medium");

        Assert.False(a.Ping(b.Address), "the first ping starts IKE");
        Wait.Until(() => a.AuditAsync(545).Result.Count + a.AuditAsync(547).Result.Count > 0, NegotiationDeadline, "a 545 or 547 audit on the initiator");
        for (var i = 0; i < 3; i++)
        {
            Assert.False(a.Ping(b.Address), "with mismatched keys no ping may pass");
        }

        Assert.Empty(a.SaList());
        Assert.Empty(b.SaList());
        var failures = (await a.AuditAsync(545)).Concat(await a.AuditAsync(547)).ToList();
        Assert.Contains(failures, r => Field(r, "Peer IP Address") == b.Address);
    }

    [Fact]
    public async Task ServerPolicy_FallsBackToClear_WhenThePeerRunsNoIke()
    {
        Prerequisites.Require("iptables", "ping");
        using var pair = new NetworkNamespacePair();
        using var a = pair.Own(new AgentHost(pair, pair.A, NetworkNamespacePair.AddressA));
        a.Start();
        a.Cli("rule", "delete", "Server", "1");
        a.Cli("rule", "add", "Server", "--filterlist", "All IP Traffic", "--action", "Request Security (Optional)", "--auth", "psk:ABC123");
        a.Assign("Server");
        Assert.False(a.Ping(NetworkNamespacePair.AddressB), "the first ping starts IKE and waits for the fallback");

        Wait.Until(() => a.Ping(NetworkNamespacePair.AddressB), TimeSpan.FromSeconds(15), "a clear ping after the fallback wait");
        Assert.Empty(a.SaList());
        var soft = Assert.Single(await a.AuditAsync(548));
        Assert.Equal(NetworkNamespacePair.AddressB, Field(soft, "Peer IP Address"));
        var status = await a.ControlAsync("ike.status");
        Assert.Equal(1, status.GetProperty("statistics").GetProperty("softAssociations").GetInt64());
    }

    [Fact]
    public async Task ServerAndClient_BuiltIns_WithAPresharedKey_SecurePing_AndTheClientOnlyResponds()
    {
        Prerequisites.Require("iptables", "ping", "tshark");
        using var pair = new NetworkNamespacePair();
        using var server = pair.Own(new AgentHost(pair, pair.A, NetworkNamespacePair.AddressA));
        using var client = pair.Own(new AgentHost(pair, pair.B, NetworkNamespacePair.AddressB));
        // The test is about security, not the fallback: on a loaded machine the client's first IKE answer may take
        // longer than the 3 s fallback wait, and a soft association would then let the first pings out in clear.
        server.Start("RAMPART_IKE_FALLBACK_MS=15000");
        client.Start();
        server.Cli("rule", "delete", "Server", "1");
        server.Cli("rule", "add", "Server", "--filterlist", "All IP Traffic", "--action", "Request Security (Optional)", "--auth", "psk:ABC123");
        server.Assign("Server");

        // The default response rule authenticates with Kerberos unless told otherwise (Kerberos is not implemented
        // yet): give it the pre-shared key, as Windows 2000 let administrators edit its authentication methods.
        client.Cli("policy", "set", "Client", "--default-response-auth", "psk:ABC123");
        client.Assign("Client");
        using var capture = pair.Own(new PacketCapture(pair, pair.A, NetworkNamespacePair.DeviceA));

        Wait.Until(() => server.Ping(client.Address) && server.SaList().Count == 2, NegotiationDeadline, "a secured ping from the server\n" + server.AgentOutput);
        Assert.True(client.Ping(server.Address), "the client's ping uses the SA the server negotiated");

        capture.Stop();
        Assert.NotEmpty(capture.Fields("esp"));
        Assert.Empty(capture.Fields("icmp && !esp"));
        Assert.Equal(2, client.SaList().Count);
        var clientStatus = await client.ControlAsync("ike.status");
        Assert.Equal("responder", Assert.Single(clientStatus.GetProperty("mainModes").EnumerateArray()).GetProperty("role").GetString());
        Assert.Empty(await server.AuditAsync(548));
    }

    [Fact]
    public async Task AgentRestart_ClearsIkeState_AndUnassign_DeletesTheSasOnBothHosts()
    {
        Prerequisites.Require("iptables", "ping");
        using var pair = new NetworkNamespacePair();
        using var a = pair.Own(new AgentHost(pair, pair.A, NetworkNamespacePair.AddressA));
        using var b = pair.Own(new AgentHost(pair, pair.B, NetworkNamespacePair.AddressB));
        a.Start();
        b.Start();
        a.BuildPartnerPolicy(b.Address, "ABC123", "high");
        b.BuildPartnerPolicy(a.Address, "ABC123", "high");
        Wait.Until(() => a.Ping(b.Address), NegotiationDeadline, "a secured ping");

        a.Cli("agent", "restart");
        Wait.Until(() => a.ControlAsync("ike.status").Result.GetProperty("mainModes").GetArrayLength() == 0 && a.SaList().Count == 0, TimeSpan.FromSeconds(10), "IKE state cleared by the restart");
        Wait.Until(() => a.Ping(b.Address), NegotiationDeadline, "a ping after the restart, through a new negotiation");
        Assert.Equal(2, a.SaList().Count);

        a.Cli("policy", "unassign", "Partner");
        Wait.Until(() => a.SaList().Count == 0 && b.SaList().Count == 0, TimeSpan.FromSeconds(10), "the SAs of the unassigned policy deleted on both hosts");
        Assert.NotEmpty(await b.AuditAsync(542));
    }

    private static string? Field(JsonElement record, string name) =>
        record.GetProperty("fields").EnumerateArray().FirstOrDefault(f => f.GetProperty("name").GetString() == name) is { ValueKind: JsonValueKind.Object } field
            ? field.GetProperty("value").GetString()
            : null;
}
