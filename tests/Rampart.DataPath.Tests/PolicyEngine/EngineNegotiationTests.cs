using System.Net;
using Rampart.Core.Filtering;
using Rampart.Core.SecurityAssociations;
using Rampart.DataPath.Database;
using Rampart.DataPath.PolicyEngine;
using Rampart.DataPath.Tests.Doubles;
using static Rampart.DataPath.Tests.PolicyEngine.EngineHosts;

namespace Rampart.DataPath.Tests.PolicyEngine;

/// <summary>The walkthrough's negotiation behaviour: acquire once, hold, install, block for a minute, soft SAs.</summary>
public class EngineNegotiationTests
{
    private static readonly Binding BindingAB = BindingOf(AddressA, AddressB);
    private static readonly Binding BindingBA = BindingOf(AddressB, AddressA);

    [Fact]
    public void TransportPing_ThroughBothEngines_ArrivesByteExactBothWays()
    {
        using var hosts = new EngineHosts();
        hosts.A.Apply(Policy(AddressA, AddressB, FilterVerdict.Negotiate));
        hosts.B.Apply(Policy(AddressB, AddressA, FilterVerdict.Negotiate));
        hosts.InstallBindingPair(BindingAB, BindingBA);

        var request = Ping(AddressA, AddressB);
        var (outA, inB, deliveredB) = hosts.SendAToB(request);
        var reply = Ping(AddressB, AddressA, reply: true);
        var (outB, inA, deliveredA) = hosts.SendBToA(reply);

        Assert.Equal(PacketVerdict.AcceptModified, outA);
        Assert.Equal(PacketVerdict.AcceptModified, inB);
        Assert.Equal(request, deliveredB);
        Assert.Equal(PacketVerdict.AcceptModified, outB);
        Assert.Equal(PacketVerdict.AcceptModified, inA);
        Assert.Equal(reply, deliveredA);
        Assert.Equal(1, hosts.A.Statistics.PacketsProtected);
        Assert.Equal(1, hosts.B.Statistics.PacketsUnprotected);
    }

    [Fact]
    public void ProtectedPacket_OnTheWire_IsEsp()
    {
        using var hosts = new EngineHosts();
        hosts.A.Apply(Policy(AddressA, AddressB, FilterVerdict.Negotiate));
        hosts.InstallBindingPair(BindingAB, BindingBA);
        var buffer = Buffer(Ping(AddressA, AddressB));

        Assert.Equal(PacketVerdict.AcceptModified, hosts.A.ProcessOutbound(buffer));
        Assert.Equal(50, buffer.Span[9]);
    }

    [Fact]
    public void NegotiateWithoutSa_BurstRaisesOneAcquire_HeldPacketsReleasedProtectedOnInstall()
    {
        using var hosts = new EngineHosts(new DataPathEngineOptions { MaxHeldPacketsPerBinding = 4 });
        hosts.A.Apply(Policy(AddressA, AddressB, FilterVerdict.Negotiate));
        hosts.B.Apply(Policy(AddressB, AddressA, FilterVerdict.Negotiate));
        var burst = Enumerable.Range(1, 10).Select(i => Ping(AddressA, AddressB, sequence: (ushort)i)).ToArray();

        var exit = new InMemoryPacketExit();
        var verdicts = burst.Select(p => hosts.A.ProcessOutbound(exit.Queue(p))).ToArray();

        Assert.Equal(4, verdicts.Count(v => v.Action == PacketAction.Held));
        Assert.Equal(6, verdicts.Count(v => v == PacketVerdict.Drop(DropReason.NegotiationPending)));
        Assert.True(hosts.A.Acquires.TryRead(out var acquire));
        Assert.False(hosts.A.Acquires.TryRead(out _));
        Assert.Equal(BindingAB, acquire.Binding);
        Assert.Equal(AddressB, acquire.PeerAddress);
        Assert.Equal(AddressA, acquire.LocalAddress);
        Assert.Equal("Test Policy", acquire.Policy.PolicyName);
        Assert.Equal(0, acquire.Rule.RuleIndex);
        Assert.Equal(1, hosts.A.Statistics.AcquiresRaised);
        Assert.Equal(BindingStatus.Negotiating, Assert.Single(hosts.A.Bindings()).Status);

        hosts.InstallBindingPair(acquire.Binding, BindingBA);
        var released = exit.Released;
        Assert.Equal(4, released.Count);

        for (var i = 0; i < 4; i++)
        {
            var wire = Buffer(released[i]);
            Assert.Equal(PacketVerdict.AcceptModified, hosts.B.ProcessInbound(wire));
            Assert.Equal(burst[i], wire.Span.ToArray());
        }

        var (outA, inB, delivered) = hosts.SendAToB(burst[9]);
        Assert.Equal(PacketVerdict.AcceptModified, outA);
        Assert.Equal(PacketVerdict.AcceptModified, inB);
        Assert.Equal(burst[9], delivered);
        Assert.Equal(4, hosts.A.Statistics.HeldPacketsReleased);
        Assert.False(hosts.A.Acquires.TryRead(out _));
        var binding = Assert.Single(hosts.A.Bindings());
        Assert.Equal(BindingStatus.Secured, binding.Status);
        Assert.NotNull(binding.OutboundSpi);
        Assert.Single(binding.InboundSpis);
        Assert.Equal(AddressB, binding.Peer);
    }

    [Fact]
    public void HeldPackets_OlderThanHoldTimeout_AreDroppedByPoll()
    {
        using var hosts = new EngineHosts(new DataPathEngineOptions { HoldTimeout = TimeSpan.FromSeconds(3) });
        hosts.A.Apply(Policy(AddressA, AddressB, FilterVerdict.Negotiate));
        var exit = new InMemoryPacketExit();
        Assert.Equal(PacketAction.Held, hosts.A.ProcessOutbound(exit.Queue(Ping(AddressA, AddressB))).Action);

        hosts.Time.Advance(TimeSpan.FromSeconds(2));
        hosts.A.Poll();
        Assert.Equal(0, hosts.A.Statistics.HeldPacketsDropped);
        hosts.Time.Advance(TimeSpan.FromSeconds(2));
        hosts.A.Poll();
        Assert.Equal(1, hosts.A.Statistics.HeldPacketsDropped);
        Assert.Single(exit.Dropped);

        hosts.InstallBindingPair(BindingAB, BindingBA);
        Assert.Empty(exit.Released);
    }

    [Fact]
    public void NegotiationFailed_BlocksForOneMinute_ThenNextPacketRaisesAcquireAgain()
    {
        using var hosts = new EngineHosts();
        hosts.A.Apply(Policy(AddressA, AddressB, FilterVerdict.Negotiate));
        hosts.A.ProcessOutbound(Buffer(Ping(AddressA, AddressB)));
        Assert.True(hosts.A.Acquires.TryRead(out var first));

        hosts.A.MarkNegotiationFailed(first.Binding);
        Assert.Equal(1, hosts.A.Statistics.HeldPacketsDropped);
        Assert.Equal(PacketVerdict.Drop(DropReason.NegotiationFailed), hosts.A.ProcessOutbound(Buffer(Ping(AddressA, AddressB))));
        var blocked = Assert.Single(hosts.A.Bindings());
        Assert.Equal(BindingStatus.Blocked, blocked.Status);
        Assert.Equal(hosts.Time.GetUtcNow() + TimeSpan.FromMinutes(1), blocked.Until);

        hosts.Time.Advance(TimeSpan.FromSeconds(59));
        Assert.Equal(PacketVerdict.Drop(DropReason.NegotiationFailed), hosts.A.ProcessOutbound(Buffer(Ping(AddressA, AddressB))));
        Assert.False(hosts.A.Acquires.TryRead(out _));

        hosts.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(PacketAction.Held, hosts.A.ProcessOutbound(Buffer(Ping(AddressA, AddressB))).Action);
        Assert.True(hosts.A.Acquires.TryRead(out var second));
        Assert.Equal(first.Binding, second.Binding);
        Assert.Equal(2, hosts.A.Statistics.AcquiresRaised);
    }

    [Fact]
    public void ClearBlocks_LiftsTheBlockAtOnce()
    {
        using var hosts = new EngineHosts();
        hosts.A.Apply(Policy(AddressA, AddressB, FilterVerdict.Negotiate));
        hosts.A.MarkNegotiationFailed(BindingAB);
        Assert.Equal(DropReason.NegotiationFailed, hosts.A.ProcessOutbound(Buffer(Ping(AddressA, AddressB))).Reason);

        hosts.A.ClearBlocks();

        Assert.Equal(PacketAction.Held, hosts.A.ProcessOutbound(Buffer(Ping(AddressA, AddressB))).Action);
        Assert.True(hosts.A.Acquires.TryRead(out _));
    }

    [Fact]
    public void UnansweredAcquire_IsRaisedAgainAfterTheRetryInterval()
    {
        using var hosts = new EngineHosts(new DataPathEngineOptions { AcquireRetryInterval = TimeSpan.FromSeconds(10) });
        hosts.A.Apply(Policy(AddressA, AddressB, FilterVerdict.Negotiate));
        hosts.A.ProcessOutbound(Buffer(Ping(AddressA, AddressB)));
        hosts.Time.Advance(TimeSpan.FromSeconds(9));
        hosts.A.ProcessOutbound(Buffer(Ping(AddressA, AddressB)));
        Assert.Equal(1, hosts.A.Statistics.AcquiresRaised);

        hosts.Time.Advance(TimeSpan.FromSeconds(1));
        hosts.A.ProcessOutbound(Buffer(Ping(AddressA, AddressB)));

        Assert.Equal(2, hosts.A.Statistics.AcquiresRaised);
        Assert.True(hosts.A.Acquires.TryRead(out _));
        Assert.True(hosts.A.Acquires.TryRead(out _));
    }

    [Fact]
    public void SoftSa_LetsClearTrafficThroughBothWays_AndReleasesHeldPacketsInClear()
    {
        using var hosts = new EngineHosts();
        hosts.A.Apply(Policy(AddressA, AddressB, FilterVerdict.Negotiate, fallbackToClear: true));
        var first = Ping(AddressA, AddressB);
        var exit = new InMemoryPacketExit();
        Assert.Equal(PacketAction.Held, hosts.A.ProcessOutbound(exit.Queue(first)).Action);
        Assert.True(hosts.A.Acquires.TryRead(out var acquire));
        Assert.True(acquire.Rule.AllowFallbackToClear);

        // Released at once, by its own verdict: no tick in between.
        hosts.A.MarkSoft(acquire.Binding);
        Assert.Equal(first, Assert.Single(exit.Released));
        var outbound = Buffer(Ping(AddressA, AddressB, sequence: 2));
        Assert.Equal(PacketVerdict.Accept, hosts.A.ProcessOutbound(outbound));
        Assert.Equal(Ping(AddressA, AddressB, sequence: 2), outbound.Span.ToArray());
        Assert.Equal(PacketVerdict.Accept, hosts.A.ProcessInbound(Buffer(Ping(AddressB, AddressA, reply: true))));
        var soft = Assert.Single(hosts.A.Bindings());
        Assert.Equal(BindingStatus.Soft, soft.Status);
        Assert.Equal(hosts.Time.GetUtcNow(), soft.Since);
        Assert.Equal((1, 1), (hosts.A.Statistics.SoftAssociationsMade, hosts.A.Statistics.ActiveSoftAssociations));
        Assert.False(hosts.A.Acquires.TryRead(out _));

        // A real SA replaces the soft one.
        hosts.InstallBindingPair(BindingAB, BindingBA);
        Assert.Equal((1, 0), (hosts.A.Statistics.SoftAssociationsMade, hosts.A.Statistics.ActiveSoftAssociations));
        Assert.Equal(PacketVerdict.AcceptModified, hosts.A.ProcessOutbound(Buffer(Ping(AddressA, AddressB))));
        Assert.Equal(PacketVerdict.Drop(DropReason.UnsecuredInbound), hosts.A.ProcessInbound(Buffer(Ping(AddressB, AddressA, reply: true))));
    }

    [Fact]
    public void RequireSecurity_DropsClearInbound_RequestSecurity_AcceptsIt()
    {
        using var hosts = new EngineHosts();
        hosts.A.Apply(Policy(AddressA, AddressB, FilterVerdict.Negotiate, acceptUnsecured: false));
        hosts.B.Apply(Policy(AddressB, AddressA, FilterVerdict.Negotiate, acceptUnsecured: true));

        Assert.Equal(PacketVerdict.Drop(DropReason.UnsecuredInbound), hosts.A.ProcessInbound(Buffer(Ping(AddressB, AddressA))));
        Assert.Equal(1, hosts.A.Statistics.UnsecuredInboundDropped);
        Assert.Equal(PacketVerdict.Accept, hosts.B.ProcessInbound(Buffer(Ping(AddressA, AddressB))));

        // "Always respond using IPsec": B's reply negotiates.
        Assert.Equal(PacketAction.Held, hosts.B.ProcessOutbound(Buffer(Ping(AddressB, AddressA, reply: true))).Action);
        Assert.True(hosts.B.Acquires.TryRead(out var acquire));
        Assert.Equal(BindingBA, acquire.Binding);
    }

    [Fact]
    public void OversizedPacket_IsNotHeld_ButStillRaisesTheAcquire()
    {
        using var hosts = new EngineHosts();
        hosts.A.Apply(Policy(AddressA, AddressB, FilterVerdict.Negotiate));
        var buffer = new Rampart.DataPath.Buffers.PacketBuffer(8192);
        buffer.Load(Udp(AddressA, AddressB, 40000, 9, new byte[3000]));

        Assert.Equal(PacketVerdict.Drop(DropReason.NegotiationPending), hosts.A.ProcessOutbound(buffer));
        Assert.Equal(1, hosts.A.Statistics.AcquiresRaised);
    }

    [Fact]
    public void MaxHeldZero_DropsWhileNegotiating()
    {
        using var hosts = new EngineHosts(new DataPathEngineOptions { MaxHeldPacketsPerBinding = 0 });
        hosts.A.Apply(Policy(AddressA, AddressB, FilterVerdict.Negotiate));

        Assert.Equal(PacketVerdict.Drop(DropReason.NegotiationPending), hosts.A.ProcessOutbound(Buffer(Ping(AddressA, AddressB))));
        Assert.Equal(1, hosts.A.Statistics.AcquiresRaised);
    }

    [Fact]
    public void Reset_ClearsSasNegotiationsAndQueuedAcquires()
    {
        using var hosts = new EngineHosts();
        var peerC = System.Net.IPAddress.Parse("192.0.2.3");
        var filterC = new PacketFilter(AddressPrefix.Host(AddressA), AddressPrefix.Any(false), null, null, null, FilterVerdict.Negotiate, 0, 0);
        var rule = new CompiledRule(0, FilterVerdict.Negotiate, false, true, null, "any", "negotiate");
        hosts.A.Apply(new CompiledPolicy("P", new FilterTable([filterC, filterC.Mirror()]), [rule], false));
        hosts.InstallBindingPair(BindingAB, BindingBA);
        hosts.A.ProcessOutbound(Buffer(Ping(AddressA, peerC)));
        hosts.A.MarkSoft(BindingOf(AddressA, IPAddress.Parse("192.0.2.4")));
        var (selectorOut, _) = hosts.SaPair(AddressA, IPAddress.Parse("198.51.100.9"));
        hosts.A.InstallOutbound(new TrafficSelector(AddressPrefix.Host(AddressA), AddressPrefix.Host(IPAddress.Parse("198.51.100.9"))), selectorOut, out _);
        Assert.Equal(4, hosts.A.Bindings().Count);

        hosts.A.Reset();

        Assert.Empty(hosts.A.Bindings());
        Assert.Equal(0, hosts.DatabaseA.Count);
        Assert.False(hosts.A.Acquires.TryRead(out _));
        Assert.Equal(1, hosts.A.Statistics.HeldPacketsDropped);
        Assert.Equal(PacketAction.Held, hosts.A.ProcessOutbound(Buffer(Ping(AddressA, AddressB))).Action);
        Assert.True(hosts.A.Acquires.TryRead(out var again));
        Assert.Equal(BindingAB, again.Binding);
    }

    [Fact]
    public void AcquireQueue_StaysBoundedUnderAFloodOfDistinctPeers()
    {
        using var hosts = new EngineHosts(new DataPathEngineOptions { AcquireQueueCapacity = 16, MaxPendingNegotiations = 64 });
        var me = IPAddress.Parse("2001:db8::1");
        var filter = new PacketFilter(AddressPrefix.Host(me), AddressPrefix.Network(IPNetwork.Parse("2001:db8::/32")), null, null, null, FilterVerdict.Negotiate, 0, 0);
        hosts.A.Apply(new CompiledPolicy("P", new FilterTable([filter, filter.Mirror()]), [new CompiledRule(0, FilterVerdict.Negotiate, false, false, null, "l", "a")], false));

        for (var i = 0; i < 5000; i++)
        {
            var peer = IPAddress.Parse($"2001:db8:{i / 256:x}::{(i % 256) + 2:x}");
            var verdict = hosts.A.ProcessOutbound(Buffer(Udp(me, peer, 40000, 9)));
            Assert.NotEqual(PacketAction.Accept, verdict.Action);
        }

        var queued = 0;
        while (hosts.A.Acquires.TryRead(out _))
        {
            queued++;
        }

        Assert.Equal(16, queued);
        Assert.Equal(16, hosts.A.Statistics.AcquiresRaised);
        Assert.Equal(5000 - 16, hosts.A.Statistics.Dropped(DropReason.AcquireLimit));
        Assert.True(hosts.A.Bindings().Count <= 64);
    }

    [Fact]
    public void PendingNegotiations_AreCappedEvenWhenTheAgentKeepsUp()
    {
        using var hosts = new EngineHosts(new DataPathEngineOptions { AcquireQueueCapacity = 1000, MaxPendingNegotiations = 50 });
        var me = IPAddress.Parse("2001:db8::1");
        var filter = new PacketFilter(AddressPrefix.Host(me), AddressPrefix.Network(IPNetwork.Parse("2001:db8::/32")), null, null, null, FilterVerdict.Negotiate, 0, 0);
        hosts.A.Apply(new CompiledPolicy("P", new FilterTable([filter]), [new CompiledRule(0, FilterVerdict.Negotiate, false, false, null, "l", "a")], false));

        for (var i = 0; i < 500; i++)
        {
            hosts.A.ProcessOutbound(Buffer(Udp(me, IPAddress.Parse($"2001:db8:1::{i + 2:x}"), 40000, 9)));
            while (hosts.A.Acquires.TryRead(out _))
            {
            }
        }

        Assert.Equal(50, hosts.A.Statistics.AcquiresRaised);
        Assert.Equal(50, hosts.A.Bindings().Count);

        // Pending negotiations IKE never answered are forgotten, making room again.
        hosts.Time.Advance(TimeSpan.FromSeconds(31));
        hosts.A.Poll();
        Assert.Empty(hosts.A.Bindings());
        hosts.A.ProcessOutbound(Buffer(Udp(me, IPAddress.Parse("2001:db8:2::2"), 40000, 9)));
        Assert.Equal(51, hosts.A.Statistics.AcquiresRaised);
    }
}
