using Microsoft.Extensions.Time.Testing;
using Rampart.Core.Algorithms;
using Rampart.Core.Filtering;
using Rampart.Core.SecurityAssociations;
using Rampart.DataPath.Database;
using Rampart.DataPath.PolicyEngine;
using Rampart.DataPath.Transforms;

namespace Rampart.DataPath.Tests.Database;

/// <summary>An SA that ends (removed, replaced by a rekey, hard-expired, agent restart) leaves no key bytes behind.</summary>
public class KeyZeroingTests
{
    [Fact]
    public void RemoveInbound_ZeroesTheKeyAndTheAeadSalt_AndItsPacketsAreNoLongerOpened()
    {
        var (outbound, inbound) = TestSas.Pair(SaProtocol.Esp, CipherAlgorithm.AesGcm128, IntegrityAlgorithm.None);
        using var hosts = new TwoHosts(outbound, inbound);
        var wire = hosts.Send(Packets.Udp(outbound.LocalAddress, outbound.RemoteAddress, 50));
        var transform = Assert.IsAssignableFrom<AeadEspTransform>(hosts.Inbound.EspTransform);
        Assert.False(IsZero(inbound.CipherKey.Span));
        Assert.False(IsZero(transform.Salt));

        Assert.True(hosts.DatabaseB.RemoveInbound(inbound.Spi));

        Assert.Equal(20, inbound.CipherKey.Length);
        Assert.True(IsZero(inbound.CipherKey.Span));
        Assert.True(IsZero(transform.Salt));
        Assert.Equal(PacketStatus.BadSpi, hosts.Receive(wire).Status);
    }

    [Fact]
    public void RemoveOutbound_ZeroesCipherAndIntegrityKeys_AndTheSaProtectsNothingMore()
    {
        var (outbound, inbound) = TestSas.Pair(SaProtocol.Esp, CipherAlgorithm.AesCbc128, IntegrityAlgorithm.Sha256);
        using var hosts = new TwoHosts(outbound, inbound);

        Assert.True(hosts.DatabaseA.RemoveOutbound(new Binding(0, 0, 1, 2, false)));

        Assert.True(IsZero(outbound.CipherKey.Span));
        Assert.True(IsZero(outbound.IntegrityKey.Span));
        Assert.Equal(PacketStatus.LifetimeExpired, hosts.A.Protect(hosts.Outbound, Loaded(outbound)));
    }

    [Fact]
    public void Rekey_ZeroesTheReplacedOutboundSa()
    {
        var (first, _) = TestSas.Pair(SaProtocol.Ah, CipherAlgorithm.Null, IntegrityAlgorithm.Sha256);
        var (second, _) = TestSas.Pair(SaProtocol.Ah, CipherAlgorithm.Null, IntegrityAlgorithm.Sha256);
        using var database = new SecurityAssociationDatabase(new FakeTimeProvider());
        var key = new Binding(0, 0, 1, 2, false);
        database.AddOutbound(key, first, out _);

        database.AddOutbound(key, second, out var replaced);

        Assert.NotNull(replaced);
        Assert.True(IsZero(first.IntegrityKey.Span));
        Assert.False(IsZero(second.IntegrityKey.Span));
    }

    [Fact]
    public void HardExpiry_ZeroesTheKeys()
    {
        var (outbound, inbound) = TestSas.Pair(SaProtocol.Esp, CipherAlgorithm.ChaCha20Poly1305, IntegrityAlgorithm.None, lifetime: new SaLifetime(5, 10, 0, 0));
        var time = new FakeTimeProvider();
        using var hosts = new TwoHosts(outbound, inbound, time);

        time.Advance(TimeSpan.FromSeconds(11));
        Assert.Contains(hosts.DatabaseB.Expire(), e => e.Kind == SaLifetimeEventKind.HardExpired);

        Assert.True(IsZero(inbound.CipherKey.Span));
        Assert.False(IsZero(outbound.CipherKey.Span));
    }

    [Fact]
    public void EngineReset_AgentRestart_ZeroesEverySa()
    {
        var (outbound, inbound) = TestSas.Pair(SaProtocol.Esp, CipherAlgorithm.AesGcm256, IntegrityAlgorithm.None);
        var engine = new DataPathEngine(new SecurityAssociationDatabase(new FakeTimeProvider()));
        var selector = new TrafficSelector(AddressPrefix.Host(outbound.LocalAddress), AddressPrefix.Host(outbound.RemoteAddress));
        engine.InstallOutbound(selector, outbound, out _);
        var reverse = inbound with { Spi = 0x2000_0002, LocalAddress = outbound.LocalAddress, RemoteAddress = outbound.RemoteAddress, CipherKey = new KeyMaterial(inbound.CipherKey.Span) };
        Assert.True(engine.InstallInbound(selector, reverse, out _));

        engine.Reset();

        Assert.True(IsZero(outbound.CipherKey.Span));
        Assert.True(IsZero(reverse.CipherKey.Span));
        Assert.Equal(0, engine.Database.Count);
    }

    [Theory]
    [InlineData(SaProtocol.Esp, CipherAlgorithm.AesGcm128, IntegrityAlgorithm.None)]
    [InlineData(SaProtocol.Esp, CipherAlgorithm.AesCbc128, IntegrityAlgorithm.Sha256)]
    [InlineData(SaProtocol.Ah, CipherAlgorithm.Null, IntegrityAlgorithm.Sha256)]
    public void ForgedPacket_OnAnSaNearItsByteLimit_DoesNotExpireIt(SaProtocol protocol, CipherAlgorithm cipher, IntegrityAlgorithm integrity)
    {
        // Room for two 100-byte packets; a forged 1000-byte one would overrun the limit if it were charged before its ICV.
        var (limited, inbound) = TestSas.Pair(protocol, cipher, integrity, lifetime: new SaLifetime(0, 0, 0, 260));
        var outbound = limited with { Lifetime = SaLifetime.Unlimited };
        using var hosts = new TwoHosts(outbound, inbound);
        Assert.Equal(PacketStatus.Ok, hosts.Receive(hosts.Send(Packets.Udp(outbound.LocalAddress, outbound.RemoteAddress, 92))).Status);
        var forged = hosts.Send(Packets.Udp(outbound.LocalAddress, outbound.RemoteAddress, 1000));
        forged[^1] ^= 0x01;

        var status = hosts.Receive(forged).Status;

        Assert.Equal(PacketStatus.AuthenticationFailed, status);
        Assert.False(hosts.Inbound.IsHardExpired);
        Assert.DoesNotContain(hosts.DatabaseB.Expire(), e => e.Kind == SaLifetimeEventKind.HardExpired);
        Assert.Equal(PacketStatus.Ok, hosts.Receive(hosts.Send(Packets.Udp(outbound.LocalAddress, outbound.RemoteAddress, 92))).Status);
        Assert.Equal(200, hosts.Inbound.Counters.BytesIn);
    }

    private static bool IsZero(ReadOnlySpan<byte> bytes) => !bytes.ContainsAnyExcept((byte)0);

    private static Buffers.PacketBuffer Loaded(SecurityAssociationSpec spec)
    {
        var buffer = new Buffers.PacketBuffer();
        buffer.Load(Packets.Udp(spec.LocalAddress, spec.RemoteAddress, 92));
        return buffer;
    }
}
