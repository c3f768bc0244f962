using System.Net;
using Rampart.Agent.Auditing;
using Rampart.Agent.Ike;
using Rampart.Core.Algorithms;
using Rampart.Core.Auditing;
using Rampart.Core.SecurityAssociations;
using Rampart.DataPath.PolicyEngine;
using Rampart.Ike;
using Rampart.Ike.V1;

namespace Rampart.Agent.Tests.Ike;

/// <summary>
/// Spoofed floods against one agent's IKE: no state kept for a source until it echoes our cookie, bounded tables,
/// failure audits aggregated so the trail keeps its history.
/// </summary>
public sealed class FloodTests : IDisposable
{
    private readonly ControllerPair _net = new();

    [Fact]
    public void SpoofedDatagramsFromASilentPeersAddress_DoNotStopTheFallbackToClear()
    {
        _net.A.Assign(TestPolicies.BuiltIn(Core.Policy.BuiltInPolicies.Server, TestPolicies.HostA, psk: "ABC123"));
        _net.LinkUp = false;
        var acquire = PolicyIkeMappingTests.AcquireFor(_net.A.Policy.Current, TestPolicies.HostA, TestPolicies.HostB);
        _net.A.Controller.OnAcquire(acquire);
        _net.Advance(TimeSpan.FromSeconds(1));

        // Anyone can send these from the peer's address: garbage, and a Main Mode request with cookies of its own.
        var fromPeer = new IPEndPoint(TestPolicies.HostB, 500);
        var local = new IPEndPoint(TestPolicies.HostA, 500);
        _net.A.Controller.OnDatagram(new byte[40], local, fromPeer);
        _net.A.Controller.OnDatagram(MainModeRequest(TestPolicies.HostB), local, fromPeer);
        Assert.Equal(0, _net.A.Controller.Statistics().HeardPeers);
        _net.Advance(TimeSpan.FromSeconds(2));

        Assert.Single(_net.A.DataPath.Bindings(), b => b.Status == BindingStatus.Soft);
        Assert.Single(_net.A.Audits, r => r.EventId == AuditEventId.SoftAssociation);
    }

    [Fact]
    public void APeerEchoingOurCookie_IsHeard_AndNoFallbackHappens()
    {
        _net.A.Assign(TestPolicies.BuiltIn(Core.Policy.BuiltInPolicies.Server, TestPolicies.HostA, psk: "ABC123"));
        _net.B.Assign(TestPolicies.BuiltIn(Core.Policy.BuiltInPolicies.Server, TestPolicies.HostB, psk: "WRONG"));
        var acquire = PolicyIkeMappingTests.AcquireFor(_net.A.Policy.Current, TestPolicies.HostA, TestPolicies.HostB);
        _net.A.Controller.OnAcquire(acquire);
        _net.Deliver();
        _net.Advance(TimeSpan.FromSeconds(3));

        // B answered (MM2, MM4, then the key mismatch failed the negotiation): no soft association.
        Assert.DoesNotContain(_net.A.DataPath.Bindings(), b => b.Status == BindingStatus.Soft);
        Assert.DoesNotContain(_net.A.Audits, r => r.EventId == AuditEventId.SoftAssociation);
    }

    [Fact]
    public void HundredThousandSpoofedSources_LeaveNoPerSourceState_AndARealPeerStillNegotiates()
    {
        _net.B.Assign(TestPolicies.BuiltIn(Core.Policy.BuiltInPolicies.Server, TestPolicies.HostB, psk: "ABC123"));
        var local = new IPEndPoint(TestPolicies.HostB, 500);
        var random = new Random(3);
        var garbage = new byte[60];
        for (var i = 0; i < 100_000; i++)
        {
            // Unparsable datagrams and Main Mode requests, each from its own address.
            var source = new IPEndPoint(i % 2 == 0 ? DocumentationV6(random) : DocumentationV4(i), 500);
            random.NextBytes(garbage);
            _net.B.Controller.OnDatagram(i % 4 == 1 ? MainModeRequest(source.Address) : garbage, local, source);
        }

        var flooded = _net.B.Controller.Statistics();
        Assert.Equal(0, flooded.HeardPeers);
        Assert.InRange(flooded.HalfOpen, 1, 1024);

        _net.A.Assign(TestPolicies.BuiltIn(Core.Policy.BuiltInPolicies.Server, TestPolicies.HostA, psk: "ABC123"));
        _net.A.Controller.OnAcquire(PolicyIkeMappingTests.AcquireFor(_net.A.Policy.Current, TestPolicies.HostA, TestPolicies.HostB));
        _net.Deliver();
        Assert.Equal(1, _net.A.Controller.InstalledPairs);
        Assert.Equal(1, _net.B.Controller.InstalledPairs);
        Assert.InRange(_net.A.Controller.Statistics().HeardPeers, 0, IkeController.MaxHeardPeers);
    }

    [Fact]
    public void HundredThousandSpoofedFailures_AreSummedUp_AndTheEarlier541RecordsStayInTheTrail()
    {
        _net.A.Assign(TestPolicies.BuiltIn(Core.Policy.BuiltInPolicies.Server, TestPolicies.HostA, psk: "ABC123"));
        _net.B.Assign(TestPolicies.BuiltIn(Core.Policy.BuiltInPolicies.Server, TestPolicies.HostB, psk: "ABC123"));
        _net.A.Controller.OnAcquire(PolicyIkeMappingTests.AcquireFor(_net.A.Policy.Current, TestPolicies.HostA, TestPolicies.HostB));
        _net.Deliver();
        var established = _net.B.Audits.Count(r => r.EventId == AuditEventId.SecurityAssociationEstablished);
        Assert.Equal(2, established);

        // Main Mode requests B refuses (no acceptable proposal: 546): 1,000 from A's address, then 99,000 from 760 others.
        const int Flood = 100_000;
        var local = new IPEndPoint(TestPolicies.HostB, 500);
        for (var i = 0; i < Flood; i++)
        {
            var source = i < 1000 ? TestPolicies.HostA : DocumentationV4(i);
            _net.B.Controller.OnDatagram(MainModeRequest(source, refused: true), local, new IPEndPoint(source, 500));
        }

        _net.Advance(TimeSpan.FromSeconds(61));

        var failures = _net.B.Audits.Where(r => !r.Success).ToList();
        Assert.InRange(failures.Count, 3, 2 * 10 + 1);
        Assert.Equal(Flood, failures.Sum(r => Value(r, "Suppressed Failures") is { } n ? long.Parse(n, System.Globalization.CultureInfo.InvariantCulture) : 1));
        var fromA = Assert.Single(failures, r => Value(r, "Suppressed Failures") is not null && Value(r, "Peer IP Address") == "192.0.2.1");
        Assert.Equal("999", Value(fromA, "Suppressed Failures"));
        Assert.Equal(Flood - failures.Count(r => Value(r, "Suppressed Failures") is null), _net.B.Controller.Statistics().FailureAuditsSuppressed);

        // The trail (kept to 1,000 records here) still holds the negotiation's records after the flood's.
        using var home = new TempHome();
        using var trail = new AuditLog(home.Path, _net.Time);
        trail.UpdateSettings(trail.Settings with { MaximumRecords = 1000 });
        foreach (var record in _net.B.Audits)
        {
            Assert.True(trail.Write(record.EventId, record.Success, record.Summary, record.Fields));
        }

        Assert.Equal(established, trail.Query(eventId: AuditEventId.SecurityAssociationEstablished).Count);
    }

    [Fact]
    public void FailuresFromOneSource_FirstWritten_TheRestSummedUpEachInterval()
    {
        _net.B.Assign(TestPolicies.BuiltIn(Core.Policy.BuiltInPolicies.Server, TestPolicies.HostB, psk: "ABC123"));
        var local = new IPEndPoint(TestPolicies.HostB, 500);
        var source = new IPEndPoint(IPAddress.Parse("198.51.100.7"), 500);
        for (var minute = 0; minute < 3; minute++)
        {
            for (var i = 0; i < 50; i++)
            {
                _net.B.Controller.OnDatagram(MainModeRequest(source.Address, refused: true), local, source);
                _net.Advance(TimeSpan.FromMilliseconds(100));
            }

            _net.Advance(TimeSpan.FromSeconds(60));
        }

        var failures = _net.B.Audits.Where(r => !r.Success).ToList();
        Assert.Equal(6, failures.Count);
        Assert.All(failures, r => Assert.Equal(AuditEventId.InvalidProposal, r.EventId));
        Assert.Equal(new[] { "", "49", "", "49", "", "49" }, failures.Select(r => Value(r, "Suppressed Failures") ?? ""));
    }

    public void Dispose() => _net.Dispose();

    /// <summary>An MM1 with fresh cookies as <paramref name="source"/> would send it; <paramref name="refused"/> offers only a proposal the built-in policies do not accept.</summary>
    private static byte[] MainModeRequest(IPAddress source, bool refused = false)
    {
        var proposal = refused
            ? new IkeProposal(CipherAlgorithm.AesCbc128, IntegrityAlgorithm.Sha256, DhGroup.Modp4096, TimeSpan.FromHours(8))
            : new IkeProposal(CipherAlgorithm.AesCbc128, IntegrityAlgorithm.Sha256, DhGroup.Modp2048, TimeSpan.FromHours(8));
        var peer = new IkeV1PeerConfig(TestPolicies.HostB, "ABC123"u8.ToArray(), [proposal]);
        using var attacker = new IkeV1Engine(new IkeV1EngineOptions { FindPeer = _ => null, FindQuickMode = (_, _) => null });
        var actions = new List<IkeAction>();
        var selector = new Rampart.Ike.ProxyIdentities(new ProxyIdentity(source, source.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128, 0, 0), new ProxyIdentity(TestPolicies.HostB, 32, 0, 0));
        attacker.Acquire(peer, new IPEndPoint(source, 500), selector, new QuickModePolicy([], DhGroup.None, SaMode.Transport), DateTimeOffset.UnixEpoch, actions);
        return actions.OfType<SendDatagram>().Single().Datagram;
    }

    private static IPAddress DocumentationV6(Random random)
    {
        var bytes = new byte[16];
        random.NextBytes(bytes);
        bytes[0] = 0x20;
        bytes[1] = 0x01;
        bytes[2] = 0x0d;
        bytes[3] = 0xb8;
        return new IPAddress(bytes);
    }

    /// <summary>One of the 760 addresses of 198.51.100.0/24, 203.0.113.0/24 and 192.0.2.0/24 other than the two hosts.</summary>
    private static IPAddress DocumentationV4(int i)
    {
        var n = i % 760;
        return n < 254 ? new IPAddress([198, 51, 100, (byte)(n + 1)])
            : n < 508 ? new IPAddress([203, 0, 113, (byte)(n - 253)])
            : new IPAddress([192, 0, 2, (byte)(n - 508 + 3)]);
    }

    private static string? Value(IkeAuditRecord record, string name) => record.Fields.FirstOrDefault(f => f.Name == name)?.Value;
}
