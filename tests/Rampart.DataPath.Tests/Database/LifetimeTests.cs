using Microsoft.Extensions.Time.Testing;
using Rampart.Core.Algorithms;
using Rampart.Core.SecurityAssociations;
using Rampart.DataPath.Database;

namespace Rampart.DataPath.Tests.Database;

public class LifetimeTests
{
    [Fact]
    public void Expire_SecondsLifetimes_ReportSoftOnceThenHardAndRemove()
    {
        var (outbound, inbound) = TestSas.Pair(SaProtocol.Esp, CipherAlgorithm.AesGcm128, IntegrityAlgorithm.None, lifetime: new SaLifetime(10, 20, 0, 0));
        var time = new FakeTimeProvider();
        using var hosts = new TwoHosts(outbound, inbound, time);

        time.Advance(TimeSpan.FromSeconds(9));
        Assert.Empty(hosts.DatabaseA.Expire());

        time.Advance(TimeSpan.FromSeconds(2));
        var soft = hosts.DatabaseA.Expire();
        Assert.Equal([new SaLifetimeEvent(hosts.Outbound, SaLifetimeEventKind.SoftExpired)], soft);
        Assert.Empty(hosts.DatabaseA.Expire());

        time.Advance(TimeSpan.FromSeconds(10));
        var hard = hosts.DatabaseB.Expire();
        Assert.Equal([new SaLifetimeEvent(hosts.Inbound, SaLifetimeEventKind.HardExpired)], hard);
        Assert.False(hosts.DatabaseB.TryGetInbound(inbound.Spi, out _));
        Assert.Equal(PacketStatus.LifetimeExpired, hosts.A.Protect(hosts.Outbound, LoadedBuffer(outbound)));
    }

    [Fact]
    public void Expire_NoTrafficForFiveMinutes_ReportsIdleOnceUntilUsedAgain()
    {
        var (outbound, inbound) = TestSas.Pair(SaProtocol.Esp, CipherAlgorithm.AesGcm128, IntegrityAlgorithm.None, lifetime: SaLifetime.Unlimited);
        var time = new FakeTimeProvider();
        using var hosts = new TwoHosts(outbound, inbound, time);

        time.Advance(TimeSpan.FromMinutes(4));
        hosts.Receive(hosts.Send(Packets.Udp(outbound.LocalAddress, outbound.RemoteAddress, 10)));
        time.Advance(TimeSpan.FromMinutes(4));
        Assert.Empty(hosts.DatabaseB.Expire());

        time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal([new SaLifetimeEvent(hosts.Inbound, SaLifetimeEventKind.Idle)], hosts.DatabaseB.Expire());
        Assert.Empty(hosts.DatabaseB.Expire());
    }

    [Fact]
    public void Protect_HardByteLimit_IsEnforcedOnThePacketPath()
    {
        var (outbound, inbound) = TestSas.Pair(SaProtocol.Esp, CipherAlgorithm.AesGcm128, IntegrityAlgorithm.None, lifetime: new SaLifetime(0, 0, 150, 250));
        using var hosts = new TwoHosts(outbound, inbound);

        // Each packet protects 8 + 92 = 100 transport payload bytes.
        Assert.Equal(PacketStatus.Ok, hosts.A.Protect(hosts.Outbound, LoadedBuffer(outbound)));
        Assert.Empty(hosts.DatabaseA.Expire());
        Assert.Equal(PacketStatus.Ok, hosts.A.Protect(hosts.Outbound, LoadedBuffer(outbound)));
        Assert.Equal([new SaLifetimeEvent(hosts.Outbound, SaLifetimeEventKind.SoftExpired)], hosts.DatabaseA.Expire());
        Assert.Equal(PacketStatus.LifetimeExpired, hosts.A.Protect(hosts.Outbound, LoadedBuffer(outbound)));
        Assert.Equal([new SaLifetimeEvent(hosts.Outbound, SaLifetimeEventKind.HardExpired)], hosts.DatabaseA.Expire());
        Assert.Equal(200, hosts.Outbound.Counters.BytesOut);
    }

    private static Buffers.PacketBuffer LoadedBuffer(SecurityAssociationSpec spec)
    {
        var buffer = new Buffers.PacketBuffer();
        buffer.Load(Packets.Udp(spec.LocalAddress, spec.RemoteAddress, 92));
        return buffer;
    }
}
