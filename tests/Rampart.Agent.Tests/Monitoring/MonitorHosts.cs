using System.Net;
using Microsoft.Extensions.Time.Testing;
using Rampart.Agent.Control;
using Rampart.Agent.Monitoring;
using Rampart.Agent.Policy;
using Rampart.Core.Algorithms;
using Rampart.Core.Filtering;
using Rampart.Core.Policy;
using Rampart.Core.SecurityAssociations;
using Rampart.DataPath.Buffers;
using Rampart.DataPath.Database;
using Rampart.DataPath.PolicyEngine;

namespace Rampart.Agent.Tests.Monitoring;

/// <summary>
/// Host A (192.0.2.1, policy "Partner": UDP with 192.0.2.2 negotiated) watched by a <see cref="MonitorService"/>, and
/// host B (192.0.2.2) with a manual (selector) SA pair, each with a real engine and SA database on one fake clock.
/// </summary>
internal sealed class MonitorHosts : IDisposable
{
    public static readonly IPAddress AddressA = IPAddress.Parse("192.0.2.1");
    public static readonly IPAddress AddressB = IPAddress.Parse("192.0.2.2");

    /// <summary>Above int.MaxValue, so a signed SPI would show negative (the walkthrough's Beta 3 bug).</summary>
    public const uint SpiAToB = 0xF000_0001;
    public const uint SpiBToA = 0xF000_0002;

    public MonitorHosts(IIkeStatisticsSource? ike = null)
    {
        DatabaseA = new SecurityAssociationDatabase(Time);
        DatabaseB = new SecurityAssociationDatabase(Time);
        A = new DataPathEngine(DatabaseA);
        B = new DataPathEngine(DatabaseB);
        A.Apply(CompiledPolicy.None);
        B.Apply(CompiledPolicy.None);
        var filter = new Filter(AddressSpec.Me, new AddressSpec.Host(AddressB), Filter.Udp);
        var list = new FilterList("Partner Filter", "", EquatableList.Of(filter));
        var policy = IpsecPolicy.Create("Partner", defaultResponseRule: false);
        var snapshot = PolicySnapshot.Empty.WithFilterList(list).WithPolicy(policy) with { AssignedPolicyName = "Partner" };
        var packetFilter = new PacketFilter(AddressPrefix.Host(AddressA), AddressPrefix.Host(AddressB), Filter.Udp, null, null, FilterVerdict.Negotiate, RuleIndex: 0, FilterIndex: 0);
        var rule = new CompiledRule(0, FilterVerdict.Negotiate, false, AllowFallbackToClear: true, null, "Partner Filter", "Partner Filter Action");
        var compiled = new CompiledPolicy("Partner", new FilterTable([packetFilter, packetFilter.Mirror()]), [rule], DefaultResponse: false);
        A.Apply(compiled);
        PolicyState.Publish(new AppliedPolicy(snapshot, policy, compiled, new HostAddresses([AddressA], new HashSet<UInt128>()), 1));
        Monitor = new MonitorService(A, PolicyState, ike ?? new NoIkeStatistics(), Dispatcher, Time);
    }

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero));
    public SecurityAssociationDatabase DatabaseA { get; }
    public SecurityAssociationDatabase DatabaseB { get; }
    public DataPathEngine A { get; }
    public DataPathEngine B { get; }
    public PolicyState PolicyState { get; } = new();
    public ControlDispatcher Dispatcher { get; } = new();
    public MonitorService Monitor { get; }

    public static Binding BindingA(IPAddress? peer = null) =>
        new(0, 0, AddressPrefix.ToNumber(AddressA).Value, AddressPrefix.ToNumber(peer ?? AddressB).Value, false);

    /// <summary>A's SAs serve its policy binding (as IKE installs them); B's serve a selector (as manual keying does).</summary>
    public void InstallSecuredPair(SaLifetime? lifetime = null)
    {
        var aToB = Spec(SpiAToB, AddressA, AddressB, SaDirection.Outbound, 0x11, lifetime);
        var aFromB = Spec(SpiBToA, AddressA, AddressB, SaDirection.Inbound, 0x22, lifetime);
        A.InstallOutbound(BindingA(), aToB, out _);
        Assert.True(A.InstallInbound(BindingA(), aFromB, out _));
        var selectorB = new TrafficSelector(AddressPrefix.Host(AddressB), AddressPrefix.Host(AddressA));
        B.InstallOutbound(selectorB, Spec(SpiBToA, AddressB, AddressA, SaDirection.Outbound, 0x22, lifetime), out _);
        Assert.True(B.InstallInbound(selectorB, Spec(SpiAToB, AddressB, AddressA, SaDirection.Inbound, 0x11, lifetime), out _));
    }

    /// <summary>Sends one UDP packet with <paramref name="payload"/> bytes from A to B and one back, through both engines.</summary>
    public void Exchange(int payload)
    {
        Deliver(A, B, TestPackets.Udp(AddressA, AddressB, payload));
        Deliver(B, A, TestPackets.Udp(AddressB, AddressA, payload));
    }

    /// <summary>B protects a UDP packet to A and returns the ESP packet, not yet delivered.</summary>
    public byte[] ProtectOnB(int payload)
    {
        var buffer = new PacketBuffer();
        buffer.Load(TestPackets.Udp(AddressB, AddressA, payload));
        Assert.Equal(PacketAction.AcceptModified, B.ProcessOutbound(buffer).Action);
        return buffer.Span.ToArray();
    }

    public PacketVerdict ReceiveOnA(byte[] wire)
    {
        var buffer = new PacketBuffer();
        buffer.Load(wire);
        return A.ProcessInbound(buffer);
    }

    public void Dispose()
    {
        DatabaseA.Dispose();
        DatabaseB.Dispose();
    }

    private static void Deliver(DataPathEngine sender, DataPathEngine receiver, byte[] packet)
    {
        var buffer = new PacketBuffer();
        buffer.Load(packet);
        Assert.Equal(PacketAction.AcceptModified, sender.ProcessOutbound(buffer).Action);
        Assert.Equal(PacketAction.AcceptModified, receiver.ProcessInbound(buffer).Action);
        Assert.Equal(packet, buffer.Span.ToArray());
    }

    private static SecurityAssociationSpec Spec(uint spi, IPAddress local, IPAddress remote, SaDirection direction, byte keyFill, SaLifetime? lifetime) => new()
    {
        Spi = spi,
        Direction = direction,
        LocalAddress = local,
        RemoteAddress = remote,
        Cipher = CipherAlgorithm.AesGcm128,
        CipherKey = new KeyMaterial(Enumerable.Repeat(keyFill, 20).ToArray()),
        Lifetime = lifetime ?? SaLifetime.Default,
    };
}
