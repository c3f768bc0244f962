using System.Buffers.Binary;
using System.Net;
using Rampart.Core.Filtering;
using Rampart.Core.SecurityAssociations;
using Rampart.DataPath.Database;
using Rampart.DataPath.PolicyEngine;
using Rampart.DataPath.Tests.Doubles;
using static Rampart.DataPath.Tests.PolicyEngine.EngineHosts;

namespace Rampart.DataPath.Tests.PolicyEngine;

/// <summary>Permit, Block, exemptions, inner-packet policy checks, selector SAs, tunnel bindings and junk.</summary>
public class EnginePolicyTests
{
    private static readonly Binding BindingAB = BindingOf(AddressA, AddressB);
    private static readonly Binding BindingBA = BindingOf(AddressB, AddressA);

    [Fact]
    public void PermitFilter_PassesBothWays_BlockFilter_DropsBothWays()
    {
        using var hosts = new EngineHosts();
        hosts.A.Apply(Policy(AddressA, AddressB, FilterVerdict.Permit));
        hosts.B.Apply(Policy(AddressB, AddressA, FilterVerdict.Block));
        var packet = Ping(AddressA, AddressB);

        var buffer = Buffer(packet);
        Assert.Equal(PacketVerdict.Accept, hosts.A.ProcessOutbound(buffer));
        Assert.Equal(packet, buffer.Span.ToArray());
        Assert.Equal(PacketVerdict.Accept, hosts.A.ProcessInbound(Buffer(Ping(AddressB, AddressA))));
        Assert.Equal(PacketVerdict.Drop(DropReason.Blocked), hosts.B.ProcessInbound(Buffer(packet)));
        Assert.Equal(PacketVerdict.Drop(DropReason.Blocked), hosts.B.ProcessOutbound(Buffer(Ping(AddressB, AddressA))));
        Assert.Equal(2, hosts.B.Statistics.Dropped(DropReason.Blocked));
    }

    [Fact]
    public void NoPolicy_EverythingPasses()
    {
        using var hosts = new EngineHosts();
        Assert.Equal(PacketVerdict.Accept, hosts.A.ProcessOutbound(Buffer(Ping(AddressA, AddressB))));
        Assert.Equal(PacketVerdict.Accept, hosts.A.ProcessInbound(Buffer(Ping(AddressB, AddressA))));
        Assert.Equal(PacketVerdict.Accept, hosts.A.ProcessOutbound(Buffer([0x00, 0x01, 0x02])));
    }

    [Fact]
    public void Unparsable_PassesWithoutNegotiatePolicy_DroppedWithIt()
    {
        using var hosts = new EngineHosts();
        byte[] junk = [0x45, 0x00, 0x00];
        hosts.A.Apply(Policy(AddressA, AddressB, FilterVerdict.Permit));
        Assert.Equal(PacketVerdict.Accept, hosts.A.ProcessOutbound(Buffer(junk)));

        hosts.A.Apply(Policy(AddressA, AddressB, FilterVerdict.Negotiate));

        Assert.Equal(PacketVerdict.Drop(DropReason.Unparsable), hosts.A.ProcessOutbound(Buffer(junk)));
        Assert.Equal(PacketVerdict.Drop(DropReason.Unparsable), hosts.A.ProcessInbound(Buffer(junk)));
    }

    [Fact]
    public void IkeTraffic_IsExempt_UnderRequireSecurity()
    {
        using var hosts = new EngineHosts();
        hosts.A.Apply(Policy(AddressA, AddressB, FilterVerdict.Negotiate));
        var ike = Udp(AddressA, AddressB, 500, 500);
        var natT = Udp(AddressB, AddressA, 4500, 4500, [0, 0, 0, 0, 0xAA, 0xBB]);
        var keepalive = Udp(AddressB, AddressA, 4500, 4500, [0xFF]);

        Assert.Equal(PacketVerdict.Accept, hosts.A.ProcessOutbound(Buffer(ike)));
        Assert.Equal(PacketVerdict.Accept, hosts.A.ProcessInbound(Buffer(Udp(AddressB, AddressA, 500, 500))));
        var buffer = Buffer(natT);
        Assert.Equal(PacketVerdict.Accept, hosts.A.ProcessInbound(buffer));
        Assert.Equal(natT, buffer.Span.ToArray());
        Assert.Equal(PacketVerdict.Accept, hosts.A.ProcessInbound(Buffer(keepalive)));
        Assert.Equal(0, hosts.A.Statistics.AcquiresRaised);
    }

    [Theory]
    [InlineData(88)]
    [InlineData(389)]
    [InlineData(500)]
    [InlineData(4500)]
    public void UdpFromAPeersExemptPort_ToALocalService_IsBlocked_AndSoIsTheServicesAnswer(ushort peerPort)
    {
        using var hosts = new EngineHosts();
        hosts.B.Apply(Policy(AddressB, AddressA, FilterVerdict.Block));

        Assert.Equal(PacketVerdict.Drop(DropReason.Blocked), hosts.B.ProcessInbound(Buffer(Udp(AddressA, AddressB, peerPort, 7))));
        Assert.Equal(PacketVerdict.Drop(DropReason.Blocked), hosts.B.ProcessOutbound(Buffer(Udp(AddressB, AddressA, 7, peerPort))));
    }

    [Fact]
    public void BeforeAnyPolicyIsApplied_AllButExemptTrafficIsDropped_ThenNoPolicyLetsItFlow()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        var engine = new DataPathEngine(new SecurityAssociationDatabase(time));

        Assert.False(engine.PolicyInForce);
        Assert.Equal(PacketVerdict.Drop(DropReason.PolicyNotInForce), engine.ProcessInbound(Buffer(Ping(AddressB, AddressA))));
        Assert.Equal(PacketVerdict.Drop(DropReason.PolicyNotInForce), engine.ProcessOutbound(Buffer(Ping(AddressA, AddressB, reply: true))));
        Assert.Equal(PacketVerdict.Drop(DropReason.PolicyNotInForce), engine.ProcessInbound(Buffer(Udp(AddressB, AddressA, 500, 7))));
        Assert.Equal(PacketVerdict.Drop(DropReason.Unparsable), engine.ProcessInbound(Buffer([0x45, 0x00, 0x00])));
        Assert.Equal(PacketVerdict.Accept, engine.ProcessInbound(Buffer(Udp(AddressB, AddressA, 500, 500))));
        Assert.Equal(PacketVerdict.Accept, engine.ProcessOutbound(Buffer(Udp(AddressA, AddressB, 500, 500))));
        Assert.Equal(3, engine.Statistics.Dropped(DropReason.PolicyNotInForce));

        engine.Apply(CompiledPolicy.None);

        Assert.True(engine.PolicyInForce);
        Assert.Equal(PacketVerdict.Accept, engine.ProcessInbound(Buffer(Ping(AddressB, AddressA))));
        engine.Reset();
        Assert.True(engine.PolicyInForce);
    }

    [Fact]
    public void DecryptedPacket_NotMatchingTheSasFilter_IsDroppedAsPolicyMismatch()
    {
        using var hosts = new EngineHosts();

        // A secures everything to B with one filter; B has one filter for UDP and another for TCP.
        hosts.A.Apply(Policy(AddressA, AddressB, FilterVerdict.Negotiate));
        var udp = new PacketFilter(AddressPrefix.Host(AddressB), AddressPrefix.Host(AddressA), 17, null, null, FilterVerdict.Negotiate, 0, 0);
        var tcp = new PacketFilter(AddressPrefix.Host(AddressB), AddressPrefix.Host(AddressA), 6, null, null, FilterVerdict.Negotiate, 0, 1);
        hosts.B.Apply(new CompiledPolicy("B", new FilterTable([udp, udp.Mirror(), tcp, tcp.Mirror()]), [new CompiledRule(0, FilterVerdict.Negotiate, false, false, null, "l", "a")], false));
        hosts.InstallBindingPair(BindingAB, BindingOf(AddressB, AddressA, filterIndex: 0));

        var (_, udpIn, delivered) = hosts.SendAToB(Udp(AddressA, AddressB, 40000, 7));
        var tcpPacket = Udp(AddressA, AddressB, 40000, 80);
        tcpPacket[9] = 6;
        Packets.FixIpv4Checksum(tcpPacket);
        var (tcpOut, tcpIn, _) = hosts.SendAToB(tcpPacket);

        Assert.Equal(PacketVerdict.AcceptModified, udpIn);
        Assert.NotEmpty(delivered);
        Assert.Equal(PacketVerdict.AcceptModified, tcpOut);
        Assert.Equal(PacketVerdict.Drop(DropReason.PolicyMismatch), tcpIn);
        Assert.Equal(1, hosts.B.Statistics.PolicyMismatch);
    }

    [Fact]
    public void InboundSa_NotRegisteredWithTheEngine_IsPolicyMismatch()
    {
        using var hosts = new EngineHosts();
        hosts.A.Apply(Policy(AddressA, AddressB, FilterVerdict.Negotiate));
        hosts.B.Apply(Policy(AddressB, AddressA, FilterVerdict.Negotiate));
        var (aToB, bFromA) = hosts.SaPair(AddressA, AddressB);
        hosts.A.InstallOutbound(BindingAB, aToB, out _);
        Assert.True(hosts.DatabaseB.TryAddInbound(bFromA, out _));

        Assert.Equal(PacketVerdict.Drop(DropReason.PolicyMismatch), hosts.SendAToB(Ping(AddressA, AddressB)).In);
    }

    [Fact]
    public void TamperedAndUnknownSpiPackets_AreCountedAndDropped()
    {
        using var hosts = new EngineHosts();
        hosts.A.Apply(Policy(AddressA, AddressB, FilterVerdict.Negotiate));
        hosts.B.Apply(Policy(AddressB, AddressA, FilterVerdict.Negotiate));
        hosts.InstallBindingPair(BindingAB, BindingBA);
        var wire = Buffer(Ping(AddressA, AddressB));
        hosts.A.ProcessOutbound(wire);
        var bytes = wire.Span.ToArray();

        var tampered = (byte[])bytes.Clone();
        tampered[^1] ^= 1;
        var unknown = (byte[])bytes.Clone();
        BinaryPrimitives.WriteUInt32BigEndian(unknown.AsSpan(20), 0xDEAD);

        Assert.Equal(PacketVerdict.Drop(DropReason.NotAuthenticated), hosts.B.ProcessInbound(Buffer(tampered)));
        Assert.Equal(PacketVerdict.Drop(DropReason.BadSpi), hosts.B.ProcessInbound(Buffer(unknown)));
        Assert.Equal(PacketVerdict.AcceptModified, hosts.B.ProcessInbound(Buffer(bytes)));
        Assert.Equal(PacketVerdict.Drop(DropReason.Replay), hosts.B.ProcessInbound(Buffer(bytes)));
        Assert.Equal(1, hosts.B.Statistics.NotAuthenticated);
        Assert.Equal(1, hosts.B.Statistics.BadSpi);
        Assert.Equal(1, hosts.B.Statistics.ReplayDrops);
    }

    [Fact]
    public void NoMatchTraffic_UsesAMatchingSelectorSa_DefaultResponse()
    {
        using var hosts = new EngineHosts();
        var toB = new TrafficSelector(AddressPrefix.Host(AddressA), AddressPrefix.Host(AddressB), Protocol: 1);
        var toA = new TrafficSelector(AddressPrefix.Host(AddressB), AddressPrefix.Host(AddressA), Protocol: 1);
        var (aToB, bFromA) = hosts.SaPair(AddressA, AddressB);
        var (bToA, aFromB) = hosts.SaPair(AddressB, AddressA);
        hosts.A.InstallOutbound(toB, aToB, out _);
        Assert.True(hosts.A.InstallInbound(toB, aFromB, out _));

        // B has a policy whose filters do not cover A (NoMatch): a responder's SAs for A's proposal serve it.
        hosts.B.Apply(Policy(AddressB, IPAddress.Parse("198.51.100.7"), FilterVerdict.Negotiate));
        hosts.B.InstallOutbound(toA, bToA, out _);
        Assert.True(hosts.B.InstallInbound(toA, bFromA, out _));

        var request = Ping(AddressA, AddressB);
        var reply = Ping(AddressB, AddressA, reply: true);
        var (outA, inB, atB) = hosts.SendAToB(request);
        var (outB, inA, atA) = hosts.SendBToA(reply);

        Assert.Equal((PacketVerdict.AcceptModified, PacketVerdict.AcceptModified), (outA, inB));
        Assert.Equal(request, atB);
        Assert.Equal((PacketVerdict.AcceptModified, PacketVerdict.AcceptModified), (outB, inA));
        Assert.Equal(reply, atA);

        // Outside the selector (UDP, not ICMP) traffic stays clear; clear ICMP the selector covers is refused.
        Assert.Equal(PacketVerdict.Accept, hosts.A.ProcessOutbound(Buffer(Udp(AddressA, AddressB, 40000, 7))));
        Assert.Equal(PacketVerdict.Drop(DropReason.UnsecuredInbound), hosts.A.ProcessInbound(Buffer(Ping(AddressB, AddressA))));
        var selectorRow = Assert.Single(hosts.A.Bindings());
        Assert.Equal(toB, selectorRow.Selector);
        Assert.Equal(aToB.Spi, selectorRow.OutboundSpi);
        Assert.Equal([aFromB.Spi], selectorRow.InboundSpis);

        Assert.True(hosts.A.RemoveOutbound(toB));
        Assert.Equal(PacketVerdict.Accept, hosts.A.ProcessOutbound(Buffer(request)));
    }

    [Fact]
    public void NegotiateFilter_WithoutBindingSa_UsesAManualSelectorSa()
    {
        using var hosts = new EngineHosts();
        hosts.A.Apply(Policy(AddressA, AddressB, FilterVerdict.Negotiate));
        var (aToB, _) = hosts.SaPair(AddressA, AddressB);
        hosts.A.InstallOutbound(new TrafficSelector(AddressPrefix.Host(AddressA), AddressPrefix.Network(IPNetwork.Parse("192.0.2.0/24"))), aToB, out _);

        Assert.Equal(PacketVerdict.AcceptModified, hosts.A.ProcessOutbound(Buffer(Ping(AddressA, AddressB))));
        Assert.Equal(0, hosts.A.Statistics.AcquiresRaised);
    }

    [Fact]
    public void SelectorSa_CarryingTrafficOutsideItsSelector_IsPolicyMismatch()
    {
        using var hosts = new EngineHosts();
        var icmpOnly = new TrafficSelector(AddressPrefix.Host(AddressB), AddressPrefix.Host(AddressA), Protocol: 1);
        var (aToB, bFromA) = hosts.SaPair(AddressA, AddressB);
        hosts.A.InstallOutbound(new TrafficSelector(AddressPrefix.Host(AddressA), AddressPrefix.Host(AddressB)), aToB, out _);
        Assert.True(hosts.B.InstallInbound(icmpOnly, bFromA, out _));

        Assert.Equal(PacketVerdict.AcceptModified, hosts.SendAToB(Ping(AddressA, AddressB)).In);
        Assert.Equal(PacketVerdict.Drop(DropReason.PolicyMismatch), hosts.SendAToB(Udp(AddressA, AddressB, 40000, 7)).In);
    }

    [Fact]
    public void TunnelRule_BindsToTheTunnelEndpoint_AndRoundTrips()
    {
        using var hosts = new EngineHosts();
        var gatewayA = IPAddress.Parse("198.51.100.1");
        var gatewayB = IPAddress.Parse("198.51.100.2");
        hosts.A.Apply(Policy(AddressA, AddressB, FilterVerdict.Negotiate, tunnelEndpoint: gatewayB));
        hosts.B.Apply(Policy(AddressB, AddressA, FilterVerdict.Negotiate, tunnelEndpoint: gatewayA));
        var request = Ping(AddressA, AddressB);
        var exit = new InMemoryPacketExit();
        hosts.A.ProcessOutbound(exit.Queue(request));
        Assert.True(hosts.A.Acquires.TryRead(out var acquire));
        Assert.Equal(gatewayB, acquire.PeerAddress);
        var bindingA = new Binding(0, 0, UInt128.Zero, AddressPrefix.ToNumber(gatewayB).Value, false);
        var bindingB = new Binding(0, 0, UInt128.Zero, AddressPrefix.ToNumber(gatewayA).Value, false);
        Assert.Equal(bindingA, acquire.Binding);

        var (aToB, bFromA) = hosts.SaPair(AddressA, AddressB);
        aToB = aToB with { Mode = SaMode.Tunnel, TunnelLocal = gatewayA, TunnelRemote = gatewayB };
        bFromA = bFromA with { Mode = SaMode.Tunnel, TunnelLocal = gatewayB, TunnelRemote = gatewayA };
        hosts.A.InstallOutbound(bindingA, aToB, out _);
        Assert.True(hosts.B.InstallInbound(bindingB, bFromA, out _));
        var wire = Buffer(Assert.Single(exit.Released));

        Assert.Equal(gatewayB.GetAddressBytes(), wire.Span.Slice(16, 4).ToArray());
        Assert.Equal(PacketVerdict.AcceptModified, hosts.B.ProcessInbound(wire));
        Assert.Equal(request, wire.Span.ToArray());
    }

    [Fact]
    public void ApplyingANewPolicy_DropsNegotiationStateOfTheOldOne()
    {
        using var hosts = new EngineHosts();
        hosts.A.Apply(Policy(AddressA, AddressB, FilterVerdict.Negotiate, fallbackToClear: true));
        hosts.A.MarkSoft(BindingAB);
        Assert.Equal(PacketVerdict.Accept, hosts.A.ProcessOutbound(Buffer(Ping(AddressA, AddressB))));

        hosts.A.Apply(Policy(AddressA, AddressB, FilterVerdict.Negotiate));

        Assert.Equal(PacketAction.Held, hosts.A.ProcessOutbound(Buffer(Ping(AddressA, AddressB))).Action);
        Assert.Equal(PacketVerdict.Drop(DropReason.UnsecuredInbound), hosts.A.ProcessInbound(Buffer(Ping(AddressB, AddressA))));
    }

    [Fact]
    public void Ipv6TransportBinding_RoundTripsByteExact()
    {
        using var hosts = new EngineHosts();
        var a = IPAddress.Parse("2001:db8::1");
        var b = IPAddress.Parse("2001:db8::2");
        hosts.A.Apply(Policy(a, b, FilterVerdict.Negotiate));
        hosts.B.Apply(Policy(b, a, FilterVerdict.Negotiate));
        var packet = Udp(a, b, 40000, 7);
        hosts.A.ProcessOutbound(Buffer(packet));
        Assert.True(hosts.A.Acquires.TryRead(out var acquire));
        Assert.Equal(BindingOf(a, b), acquire.Binding);
        var (aToB, bFromA) = hosts.SaPair(a, b);
        hosts.A.InstallOutbound(acquire.Binding, aToB, out _);
        Assert.True(hosts.B.InstallInbound(BindingOf(b, a), bFromA, out _));

        var (outA, inB, delivered) = hosts.SendAToB(packet);

        Assert.Equal((PacketVerdict.AcceptModified, PacketVerdict.AcceptModified), (outA, inB));
        Assert.Equal(packet, delivered);
    }

    [Fact]
    public void Poll_RemovesHardExpiredSas_AndTheNextPacketNegotiatesAgain()
    {
        using var hosts = new EngineHosts();
        hosts.A.Apply(Policy(AddressA, AddressB, FilterVerdict.Negotiate));
        var (aToB, _) = hosts.SaPair(AddressA, AddressB);
        var (_, aFromB) = hosts.SaPair(AddressB, AddressA);
        var lifetime = new SaLifetime(SoftSeconds: 60, HardSeconds: 120, SoftBytes: 0, HardBytes: 0);
        hosts.A.InstallOutbound(BindingAB, aToB with { Lifetime = lifetime }, out _);
        Assert.True(hosts.A.InstallInbound(BindingAB, aFromB with { Lifetime = lifetime }, out _));
        Assert.Equal(PacketVerdict.AcceptModified, hosts.A.ProcessOutbound(Buffer(Ping(AddressA, AddressB))));

        hosts.Time.Advance(TimeSpan.FromSeconds(61));
        var soft = hosts.A.Poll();
        hosts.Time.Advance(TimeSpan.FromSeconds(60));
        var hard = hosts.A.Poll();

        Assert.Equal(2, soft.Count(e => e.Kind == SaLifetimeEventKind.SoftExpired));
        Assert.Equal(2, hard.Count(e => e.Kind == SaLifetimeEventKind.HardExpired));
        Assert.Empty(hosts.A.Bindings());
        Assert.Equal(PacketAction.Held, hosts.A.ProcessOutbound(Buffer(Ping(AddressA, AddressB))).Action);
        Assert.True(hosts.A.Acquires.TryRead(out _));
    }
}
