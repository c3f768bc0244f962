using Rampart.Core.Filtering;
using Rampart.DataPath.Database;
using Rampart.DataPath.PolicyEngine;
using static Rampart.DataPath.Tests.PolicyEngine.EngineHosts;

namespace Rampart.DataPath.Tests.PolicyEngine;

/// <summary>A soft association times out like any quick mode SA: five minutes without a packet either way ends it.</summary>
public class SoftAssociationIdleTests
{
    private static readonly Binding BindingAB = BindingOf(AddressA, AddressB);

    [Fact]
    public void SoftSa_UsedWithinTheIdleTimeout_Survives_InEitherDirection()
    {
        using var hosts = SoftHosts();
        var idle = hosts.DatabaseA.IdleTimeout;

        // Outbound use keeps it.
        hosts.Time.Advance(idle - TimeSpan.FromSeconds(2));
        Assert.Equal(PacketVerdict.Accept, hosts.A.ProcessOutbound(Buffer(Ping(AddressA, AddressB, sequence: 2))));
        hosts.Time.Advance(idle - TimeSpan.FromSeconds(2));
        hosts.A.Poll();
        Assert.Equal(BindingStatus.Soft, Assert.Single(hosts.A.Bindings()).Status);

        // Inbound use alone keeps it too.
        Assert.Equal(PacketVerdict.Accept, hosts.A.ProcessInbound(Buffer(Ping(AddressB, AddressA, reply: true))));
        hosts.Time.Advance(idle - TimeSpan.FromSeconds(2));
        hosts.A.Poll();
        Assert.Equal(BindingStatus.Soft, Assert.Single(hosts.A.Bindings()).Status);
        Assert.Equal(1, hosts.A.Statistics.ActiveSoftAssociations);
        Assert.False(hosts.A.Acquires.TryRead(out _));
    }

    [Fact]
    public void IdleSoftSa_IsRemovedByPoll_AndTheNextPacketRaisesANewAcquire()
    {
        using var hosts = SoftHosts();
        var idle = hosts.DatabaseA.IdleTimeout;
        Assert.Equal(TimeSpan.FromMinutes(5), idle);

        hosts.Time.Advance(idle - TimeSpan.FromSeconds(1));
        hosts.A.Poll();
        Assert.Equal(BindingStatus.Soft, Assert.Single(hosts.A.Bindings()).Status);

        hosts.Time.Advance(TimeSpan.FromSeconds(1));
        hosts.A.Poll();
        Assert.Empty(hosts.A.Bindings());
        Assert.Equal((1, 0), (hosts.A.Statistics.SoftAssociationsMade, hosts.A.Statistics.ActiveSoftAssociations));

        // Clear traffic no longer passes: inbound is refused and outbound negotiates again (and may fall back again).
        Assert.Equal(PacketVerdict.Drop(DropReason.UnsecuredInbound), hosts.A.ProcessInbound(Buffer(Ping(AddressB, AddressA, reply: true))));
        Assert.Equal(PacketAction.Held, hosts.A.ProcessOutbound(Buffer(Ping(AddressA, AddressB, sequence: 3))).Action);
        Assert.True(hosts.A.Acquires.TryRead(out var again));
        Assert.Equal(BindingAB, again.Binding);
        Assert.Equal(2, hosts.A.Statistics.AcquiresRaised);

        hosts.A.MarkSoft(again.Binding);
        Assert.Equal((2, 1), (hosts.A.Statistics.SoftAssociationsMade, hosts.A.Statistics.ActiveSoftAssociations));
    }

    [Fact]
    public void BusySoftSa_RecordsItsUseAtMostOncePerSecond_AndStillIdlesFromItsLastPacket()
    {
        using var hosts = SoftHosts();
        var idle = hosts.DatabaseA.IdleTimeout;

        // Packets every 100 ms for ten seconds, then silence: the idle clock starts within a second of the last one.
        for (var i = 0; i < 100; i++)
        {
            hosts.Time.Advance(TimeSpan.FromMilliseconds(100));
            hosts.A.ProcessOutbound(Buffer(Ping(AddressA, AddressB, sequence: (ushort)i)));
        }

        hosts.Time.Advance(idle - TimeSpan.FromSeconds(1));
        hosts.A.Poll();
        Assert.Single(hosts.A.Bindings());
        hosts.Time.Advance(TimeSpan.FromSeconds(1));
        hosts.A.Poll();
        Assert.Empty(hosts.A.Bindings());
    }

    [Fact]
    public void SoftSa_EndedByAPolicyChangeOrReset_LeavesNoActiveCount()
    {
        using var hosts = SoftHosts();
        hosts.A.MarkSoft(BindingAB); // marked again (a second fallback): still one
        Assert.Equal(1, hosts.A.Statistics.ActiveSoftAssociations);

        hosts.A.Apply(Policy(AddressA, AddressB, FilterVerdict.Negotiate, fallbackToClear: true));
        Assert.Equal(0, hosts.A.Statistics.ActiveSoftAssociations);

        hosts.A.MarkSoft(BindingAB);
        hosts.A.Reset();
        Assert.Equal((3, 0), (hosts.A.Statistics.SoftAssociationsMade, hosts.A.Statistics.ActiveSoftAssociations));
    }

    [Fact]
    public void SoftTraffic_BothWays_AllocatesNothing()
    {
        using var hosts = SoftHosts();
        var outbound = Ping(AddressA, AddressB, sequence: 2);
        var inbound = Ping(AddressB, AddressA, reply: true);
        var buffer = new Rampart.DataPath.Buffers.PacketBuffer();
        for (var i = 0; i < 100; i++)
        {
            buffer.Load(i % 2 == 0 ? outbound : inbound);
            _ = i % 2 == 0 ? hosts.A.ProcessOutbound(buffer) : hosts.A.ProcessInbound(buffer);
        }

        long allocated = 0, accepted = 0;
        for (var i = 0; i < 1000; i++)
        {
            hosts.Time.Advance(TimeSpan.FromMilliseconds(10)); // some touches write, most only read
            var before = GC.GetAllocatedBytesForCurrentThread();
            buffer.Load(outbound);
            accepted += hosts.A.ProcessOutbound(buffer).Action == PacketAction.Accept ? 1 : 0;
            buffer.Load(inbound);
            accepted += hosts.A.ProcessInbound(buffer).Action == PacketAction.Accept ? 1 : 0;
            allocated += GC.GetAllocatedBytesForCurrentThread() - before;
        }

        Assert.Equal(2000, accepted);
        Assert.Equal(0, allocated);
    }

    /// <summary>Host A under Request Security whose peer did not answer: the binding A-B is soft.</summary>
    private static EngineHosts SoftHosts()
    {
        var hosts = new EngineHosts();
        hosts.A.Apply(Policy(AddressA, AddressB, FilterVerdict.Negotiate, fallbackToClear: true));
        Assert.Equal(PacketAction.Held, hosts.A.ProcessOutbound(Buffer(Ping(AddressA, AddressB))).Action);
        Assert.True(hosts.A.Acquires.TryRead(out var acquire));
        hosts.A.MarkSoft(acquire.Binding);
        return hosts;
    }
}
