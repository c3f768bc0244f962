using System.Diagnostics;
using System.Globalization;
using System.Net;
using Rampart.Core.Algorithms;
using Rampart.Core.SecurityAssociations;
using Rampart.Ike;
using Rampart.Ike.V1;
using Rampart.Lab;
using Rampart.TestLab;
using Xunit.Abstractions;

namespace Rampart.EndToEnd.Tests;

/// <summary>
/// A real rampartd flooded with IKE datagrams from 10^5 spoofed IPv6 sources (RAMPART_FLOOD_SOURCES changes the
/// number: the figures in docs/ike-benchmarks.md used 10^6) while a real peer negotiates with it over IPv4: the peer's
/// negotiation succeeds during the flood, the agent keeps no per-source state, its memory stays bounded and its audit
/// trail keeps its history. Needs root, iproute2, iptables and ping; fails (does not skip) without them.
/// </summary>
[Collection(NetnsCollection.Name)]
public sealed class SpoofedFloodTests(ITestOutputHelper output)
{
    private const string Psk = "ABC123";

    [Fact]
    public async Task SpoofedSourceFlood_ARealPeerNegotiatesDuringIt_StateAndAuditStayBounded()
    {
        Prerequisites.Require("iptables", "ping");
        var sources = int.TryParse(Environment.GetEnvironmentVariable("RAMPART_FLOOD_SOURCES"), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 100_000;
        using var pair = new NetworkNamespacePair();
        using var a = pair.Own(new AgentHost(pair, pair.A, NetworkNamespacePair.AddressA));
        using var b = pair.Own(new AgentHost(pair, pair.B, NetworkNamespacePair.AddressB));
        a.Start();
        b.Start();
        a.BuildPartnerPolicy(b.Address, Psk, "high");

        // B negotiates with A and with all of 2001:db8::/32, so every spoofed Main Mode request is one it would answer.
        b.Cli("filterlist", "create", "Partner Filter");
        b.Cli("filter", "add", "Partner Filter", "--src", "me", "--dst", a.Address);
        b.Cli("filter", "add", "Partner Filter", "--src", "me", "--dst", "2001:db8::/32");
        b.Cli("filteraction", "create", "Partner Filter Action", "--negotiate", "--method", "high");
        b.Cli("policy", "create", "Partner");
        b.Cli("rule", "add", "Partner", "--filterlist", "Partner Filter", "--action", "Partner Filter Action", "--auth", "psk:" + Psk);
        b.Assign("Partner");
        var rssBefore = RssKilobytes(b.AgentPid);

        // A quarter acceptable Main Mode requests, a quarter refused ones (each a 546 unlimited), half unparsable.
        var accepted = MainModeRequest(DhGroup.Modp2048);
        var refused = MainModeRequest(DhGroup.Modp4096);
        var random = new Random(5);
        byte[] Payload(int i)
        {
            var payload = (i % 4) switch { 0 => (byte[])accepted.Clone(), 1 => (byte[])refused.Clone(), _ => new byte[60] };
            random.NextBytes(payload.AsSpan(0, i % 4 < 2 ? 8 : payload.Length)); // fresh initiator cookie, or garbage
            return payload;
        }

        using var flooder = new SpoofedSourceFlooder(pair.A, IPAddress.Parse(NetworkNamespacePair.Address6B));
        var clock = Stopwatch.StartNew();
        flooder.Start(sources, Math.Max(10_000, sources / 10), Payload);
        Thread.Sleep(1000);
        Assert.True(flooder.Running, "the flood ended before the real peer started");

        Wait.Until(() => a.Ping(b.Address), TimeSpan.FromSeconds(40), "a ping answered through IPsec during the flood\n" + a.AgentOutput);
        var negotiatedAfter = clock.Elapsed;
        var sentBefore = flooder.Sent;
        Assert.True(flooder.Running, $"the real peer negotiated only after the flood ({sentBefore} datagrams in {negotiatedAfter.TotalSeconds:0.0} s)");
        flooder.Wait(TimeSpan.FromMinutes(10));
        var floodTime = clock.Elapsed;

        // Let B's queues drain, then read its tables.
        Thread.Sleep(2000);
        var status = (await b.ControlAsync("ike.status")).GetProperty("statistics");
        var rssAfter = RssKilobytes(b.AgentPid);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{sources} spoofed sources in {floodTime.TotalSeconds:0.0} s; real peer secured after {negotiatedAfter.TotalSeconds:0.0} s (flood at {sentBefore}); "
            + $"rampartd RSS {rssBefore / 1024.0:0.0} MiB before, {rssAfter / 1024.0:0.0} MiB after; ike.status {status}"));

        Assert.True(a.Ping(b.Address), "the SA pair still carries traffic after the flood");
        Assert.Equal(0, status.GetProperty("heardPeers").GetInt32());
        Assert.InRange(status.GetProperty("halfOpen").GetInt32(), 0, 2048);
        Assert.True(status.GetProperty("malformedMessages").GetInt64() + status.GetProperty("droppedDatagrams").GetInt64() > sources / 10, "the flood did not reach the agent: " + status);
        Assert.InRange(rssAfter - rssBefore, long.MinValue, 150 * 1024);

        // The trail: the negotiation's 541 records are there, the flood's 546 records are few (first of each source and
        // minute, at most ten sources a minute, summaries at the end of each minute).
        Assert.True((await b.AuditAsync(541)).Count >= 2, "the negotiation's 541 records are missing");
        var minutes = (int)Math.Ceiling(clock.Elapsed.TotalMinutes) + 1;
        Assert.InRange((await b.AuditAsync(546)).Count, 1, minutes * 21);
    }

    /// <summary>An MM1 offering AES-128/SHA-256 with <paramref name="group"/> (B accepts 2048-bit MODP, not 4096).</summary>
    private static byte[] MainModeRequest(DhGroup group)
    {
        var peer = new IkeV1PeerConfig(IPAddress.Parse(NetworkNamespacePair.Address6B), System.Text.Encoding.ASCII.GetBytes(Psk),
            [new IkeProposal(CipherAlgorithm.AesCbc128, IntegrityAlgorithm.Sha256, group, TimeSpan.FromHours(8))]);
        using var engine = new IkeV1Engine(new IkeV1EngineOptions { FindPeer = _ => null, FindQuickMode = (_, _) => null });
        var actions = new List<IkeAction>();
        var local = IPAddress.Parse("2001:db8:8000::1");
        var selector = new ProxyIdentities(new ProxyIdentity(local, 128), new ProxyIdentity(peer.RemoteAddress, 128));
        engine.Acquire(peer, new IPEndPoint(local, 500), selector, new QuickModePolicy([], DhGroup.None, SaMode.Transport), DateTimeOffset.UnixEpoch, actions);
        return actions.OfType<SendDatagram>().Single().Datagram;
    }

    private static long RssKilobytes(int pid)
    {
        var line = File.ReadLines($"/proc/{pid}/status").Single(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
    }
}
