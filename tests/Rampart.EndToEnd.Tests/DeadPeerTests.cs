using System.Diagnostics;
using System.Text.Json;
using Rampart.Lab;
using Rampart.TestLab;

namespace Rampart.EndToEnd.Tests;

/// <summary>
/// RFC 3706 dead peer detection between two real agents: B's agent is killed (its netfilter chains stay and swallow
/// A's packets), A finds B dead, removes its SAs and audits it; B's restarted agent negotiates again.
/// Needs root, iproute2, iptables and ping; fails (does not skip) without them.
/// </summary>
[Collection(NetnsCollection.Name)]
public sealed class DeadPeerTests
{
    /// <summary>A's worry period; the engine then probes for 15 s (R-U-THERE at 0, 1, 3, 7 s) before giving up.</summary>
    private const int IdleMilliseconds = 2000;

    [Fact]
    public async Task KilledPeer_IsFoundDead_ItsSasRemovedAndAudited_AndItsRestartedAgentNegotiatesAgain()
    {
        Prerequisites.Require("iptables", "ping");
        using var pair = new NetworkNamespacePair();
        using var a = pair.Own(new AgentHost(pair, pair.A, NetworkNamespacePair.AddressA));
        using var b = pair.Own(new AgentHost(pair, pair.B, NetworkNamespacePair.AddressB));
        a.Start("RAMPART_IKE_DPD_IDLE_MS=" + IdleMilliseconds);
        b.Start();
        a.BuildPartnerPolicy(b.Address, "ABC123", "high");
        b.BuildPartnerPolicy(a.Address, "ABC123", "high");
        Wait.Until(() => a.Ping(b.Address), TimeSpan.FromSeconds(20), "a ping answered through IPsec\n" + a.AgentOutput);
        Assert.Equal(2, a.SaList().Count);

        b.Kill();
        var killed = Stopwatch.StartNew();
        Wait.Until(() => !a.Ping(b.Address) && DeadPeers(a) == 1, TimeSpan.FromSeconds(40), "A finding B dead\n" + a.AgentOutput);

        // 2 s of silence while sending, then 15 s of probes; checks run each second and pings pace the traffic.
        Assert.InRange(killed.Elapsed.TotalSeconds, 15, 25);
        Assert.Empty(a.SaList());
        var quickMode = Assert.Single(await a.AuditAsync(542), r => Field(r, "Details") == "peer dead (no answer to dead peer detection)");
        Assert.Equal(b.Address, Field(quickMode, "Peer IP Address"));
        Assert.Contains(await a.AuditAsync(543), r => Field(r, "Details") == "peer dead (no answer to dead peer detection)");

        // A's next packets negotiate afresh: B's new agent answers a retransmission of A's Main Mode.
        b.Start();
        Wait.Until(() => a.Ping(b.Address), TimeSpan.FromSeconds(40), "a ping answered after B's restart\n" + a.AgentOutput + b.AgentOutput);

        // Fresh SAs that the two sides agree on (now and then a held packet's release races the first quick mode into
        // a second pair, so the count is not asserted exactly): A's outbound SA is one of B's inbound SAs.
        var outbound = Assert.Single(a.SaList(), sa => sa.GetProperty("direction").GetString() == "outbound").GetProperty("spi").GetUInt32();
        Assert.Contains(b.SaList(), sa => sa.GetProperty("direction").GetString() == "inbound" && sa.GetProperty("spi").GetUInt32() == outbound);
        Assert.Equal(1, DeadPeers(a));
    }

    private static long DeadPeers(AgentHost host) =>
        host.ControlAsync("ike.status").GetAwaiter().GetResult().GetProperty("statistics").GetProperty("deadPeers").GetInt64();

    private static string? Field(JsonElement record, string name) =>
        record.GetProperty("fields").EnumerateArray().FirstOrDefault(f => f.GetProperty("name").GetString() == name) is { ValueKind: JsonValueKind.Object } field
            ? field.GetProperty("value").GetString()
            : null;
}
