using System.Buffers.Binary;
using Rampart.Core.Algorithms;
using Rampart.Core.SecurityAssociations;
using Rampart.DataPath.Buffers;

namespace Rampart.DataPath.Tests.Ipsec;

/// <summary>Tampered, truncated, replayed and random packets are dropped with a reason and counted, never thrown on.</summary>
public class HostileInputTests
{
    public static TheoryData<SaProtocol, CipherAlgorithm, IntegrityAlgorithm, bool> Transforms => new()
    {
        { SaProtocol.Esp, CipherAlgorithm.AesGcm128, IntegrityAlgorithm.None, false },
        { SaProtocol.Esp, CipherAlgorithm.ChaCha20Poly1305, IntegrityAlgorithm.None, true },
        { SaProtocol.Esp, CipherAlgorithm.AesCbc128, IntegrityAlgorithm.Sha256, false },
        { SaProtocol.Esp, CipherAlgorithm.Null, IntegrityAlgorithm.Sha256, true },
        { SaProtocol.Ah, CipherAlgorithm.Null, IntegrityAlgorithm.Sha256, false },
    };

    [Theory]
    [MemberData(nameof(Transforms))]
    public void Unprotect_AnyFlippedBitAfterIpHeader_IsDroppedAndCounted(SaProtocol protocol, CipherAlgorithm cipher, IntegrityAlgorithm integrity, bool udp)
    {
        var (outbound, inbound) = TestSas.Pair(protocol, cipher, integrity, udp: udp);
        using var hosts = new TwoHosts(outbound, inbound);
        var wire = hosts.Send(Packets.Udp(outbound.LocalAddress, outbound.RemoteAddress, 57));
        var firstProtected = 20 + (udp ? 8 : 0);

        for (var position = firstProtected; position < wire.Length; position++)
        {
            var tampered = (byte[])wire.Clone();
            tampered[position] ^= 0x04;

            var (status, _) = hosts.Receive(tampered);

            Assert.NotEqual(PacketStatus.Ok, status);
        }

        var (original, _) = hosts.Receive(wire);
        Assert.Equal(PacketStatus.Ok, original);
        Assert.True(hosts.Inbound.Counters.NotAuthenticated >= wire.Length - firstProtected - 8);
        Assert.Equal(1, hosts.Inbound.Counters.PacketsIn);
    }

    [Theory]
    [MemberData(nameof(Transforms))]
    public void Unprotect_EveryTruncation_IsDroppedWithoutThrowing(SaProtocol protocol, CipherAlgorithm cipher, IntegrityAlgorithm integrity, bool udp)
    {
        var (outbound, inbound) = TestSas.Pair(protocol, cipher, integrity, udp: udp);
        using var hosts = new TwoHosts(outbound, inbound);
        var wire = hosts.Send(Packets.Udp(outbound.LocalAddress, outbound.RemoteAddress, 40));

        for (var length = 0; length < wire.Length; length++)
        {
            var cut = wire.AsSpan(0, length).ToArray();
            var (status, _) = hosts.Receive(cut);
            Assert.NotEqual(PacketStatus.Ok, status);

            // Also with the IP length field claiming exactly what is there.
            if (length >= 20)
            {
                BinaryPrimitives.WriteUInt16BigEndian(cut.AsSpan(2), (ushort)length);
                Assert.NotEqual(PacketStatus.Ok, hosts.Receive(cut).Status);
            }
        }

        Assert.Equal(0, hosts.Inbound.Counters.PacketsIn);
    }

    [Fact]
    public void Unprotect_SamePacketTwice_SecondIsReplay()
    {
        var (outbound, inbound) = TestSas.Pair(SaProtocol.Esp, CipherAlgorithm.AesGcm128, IntegrityAlgorithm.None);
        using var hosts = new TwoHosts(outbound, inbound);
        var wire = hosts.Send(Packets.Udp(outbound.LocalAddress, outbound.RemoteAddress, 10));

        Assert.Equal(PacketStatus.Ok, hosts.Receive(wire).Status);
        Assert.Equal(PacketStatus.Replay, hosts.Receive(wire).Status);
        Assert.Equal(1, hosts.Inbound.Counters.ReplayDrops);
    }

    [Fact]
    public void Unprotect_LeftOfWindow_IsReplayButReorderedInsideWindowIsAccepted()
    {
        var (outbound, inbound) = TestSas.Pair(SaProtocol.Esp, CipherAlgorithm.ChaCha20Poly1305, IntegrityAlgorithm.None, window: 64);
        using var hosts = new TwoHosts(outbound, inbound);
        var wires = Enumerable.Range(0, 70).Select(_ => hosts.Send(Packets.Udp(outbound.LocalAddress, outbound.RemoteAddress, 10))).ToArray();

        Assert.Equal(PacketStatus.Ok, hosts.Receive(wires[69]).Status);
        Assert.Equal(PacketStatus.Ok, hosts.Receive(wires[10]).Status);
        Assert.Equal(PacketStatus.Replay, hosts.Receive(wires[5]).Status);
        Assert.Equal(PacketStatus.Replay, hosts.Receive(wires[10]).Status);
        Assert.Equal(2, hosts.Inbound.Counters.ReplayDrops);
    }

    [Fact]
    public void Unprotect_UnknownSpi_CountsBadSpiOnDatabase()
    {
        var (outbound, inbound) = TestSas.Pair(SaProtocol.Esp, CipherAlgorithm.AesGcm128, IntegrityAlgorithm.None);
        using var hosts = new TwoHosts(outbound, inbound);
        var wire = hosts.Send(Packets.Udp(outbound.LocalAddress, outbound.RemoteAddress, 10));
        wire[20] ^= 0xFF;

        Assert.Equal(PacketStatus.BadSpi, hosts.Receive(wire).Status);
        Assert.Equal(1, hosts.DatabaseB.BadSpiPackets);
    }

    [Fact]
    public void Unprotect_IkeAndKeepaliveOnPort4500_AreNotEsp()
    {
        var (outbound, inbound) = TestSas.Pair(SaProtocol.Esp, CipherAlgorithm.AesGcm128, IntegrityAlgorithm.None, udp: true);
        using var hosts = new TwoHosts(outbound, inbound);
        var ike = Packets.Udp(outbound.LocalAddress, outbound.RemoteAddress, 40);
        ike.AsSpan(28, 4).Clear();
        var keepalive = Packets.Udp(outbound.LocalAddress, outbound.RemoteAddress, 1, fill: 0xFF);

        Assert.Equal(PacketStatus.NotEsp, hosts.Receive(ike).Status);
        Assert.Equal(PacketStatus.NotEsp, hosts.Receive(keepalive).Status);
    }

    [Fact]
    public void Unprotect_RandomBytes_NeverThrowsNorAccepts()
    {
        var (outbound, inbound) = TestSas.Pair(SaProtocol.Esp, CipherAlgorithm.AesGcm128, IntegrityAlgorithm.None);
        using var hosts = new TwoHosts(outbound, inbound);
        var template = hosts.Send(Packets.Udp(outbound.LocalAddress, outbound.RemoteAddress, 100));
        var random = new Random(4303);
        var buffer = new PacketBuffer();

        for (var i = 0; i < 20_000; i++)
        {
            var length = random.Next(0, 200);
            var bytes = new byte[length];
            random.NextBytes(bytes);

            // Half the cases keep a valid IP header and SPI so the fuzz reaches replay and crypto.
            if (i % 2 == 0 && length >= 28)
            {
                template.AsSpan(0, 28).CopyTo(bytes);
                BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(2), (ushort)length);
            }

            buffer.Load(bytes);
            Assert.NotEqual(PacketStatus.Ok, hosts.B.Unprotect(buffer, out _));
        }
    }

    [Fact]
    public void Protect_WithoutHeadroom_ReportsNoRoom()
    {
        var (outbound, inbound) = TestSas.Pair(SaProtocol.Esp, CipherAlgorithm.AesGcm128, IntegrityAlgorithm.None, SaMode.Tunnel);
        using var hosts = new TwoHosts(outbound, inbound);
        var plain = Packets.Udp(outbound.LocalAddress, outbound.RemoteAddress, 10);
        var buffer = new PacketBuffer(plain.Length + 8);
        buffer.SetPacket(0, plain.Length);
        plain.CopyTo(buffer.Span);

        Assert.Equal(PacketStatus.NoRoom, hosts.A.Protect(hosts.Outbound, buffer));
    }
}
