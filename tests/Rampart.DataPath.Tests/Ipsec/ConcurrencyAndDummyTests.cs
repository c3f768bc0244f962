using System.Buffers.Binary;
using System.Collections.Concurrent;
using Rampart.Core.Algorithms;
using Rampart.Core.SecurityAssociations;
using Rampart.DataPath.Buffers;
using Rampart.DataPath.Transforms;

namespace Rampart.DataPath.Tests.Ipsec;

public class ConcurrencyAndDummyTests
{
    [Fact]
    public void ProtectAndUnprotect_FromManyThreads_UseEverySequenceNumberOnceAndAcceptAll()
    {
        var (outbound, inbound) = TestSas.Pair(SaProtocol.Esp, CipherAlgorithm.AesGcm128, IntegrityAlgorithm.None, window: 4096);
        using var hosts = new TwoHosts(outbound, inbound);
        var plain = Packets.Udp(outbound.LocalAddress, outbound.RemoteAddress, 200);
        var wires = new ConcurrentBag<byte[]>();

        Parallel.For(0, 2000, new ParallelOptions { MaxDegreeOfParallelism = 4 }, _ =>
        {
            var buffer = new PacketBuffer();
            buffer.Load(plain);
            Assert.Equal(PacketStatus.Ok, hosts.A.Protect(hosts.Outbound, buffer));
            wires.Add(buffer.Span.ToArray());
        });
        var statuses = new ConcurrentBag<PacketStatus>();
        Parallel.ForEach(wires, new ParallelOptions { MaxDegreeOfParallelism = 4 }, wire =>
        {
            var buffer = new PacketBuffer();
            buffer.Load(wire);
            statuses.Add(hosts.B.Unprotect(buffer, out _));
        });

        var sequences = wires.Select(w => BinaryPrimitives.ReadUInt32BigEndian(w.AsSpan(24))).ToHashSet();
        Assert.Equal(2000, sequences.Count);
        Assert.Equal(2000UL, hosts.Outbound.LastSentSequence);
        Assert.All(statuses, s => Assert.Equal(PacketStatus.Ok, s));
        Assert.Equal(2000, hosts.Inbound.Counters.PacketsIn);
    }

    [Fact]
    public void Unprotect_DummyPacket_IsDiscardedButConsumesSequenceNumber()
    {
        var (outbound, inbound) = TestSas.Pair(SaProtocol.Esp, CipherAlgorithm.ChaCha20Poly1305, IntegrityAlgorithm.None);
        using var hosts = new TwoHosts(outbound, inbound);
        using var transform = new ChaCha20Poly1305Esp(outbound.CipherKey.Span);

        // IPv4 header + ESP(SPI, seq 1, IV) + 4 bytes of dummy data, padding 1 2, pad length 2, next header 59 + ICV.
        var wire = new byte[20 + 16 + 8 + 16];
        var plain = Packets.Udp(outbound.LocalAddress, outbound.RemoteAddress, 0);
        plain.AsSpan(0, 20).CopyTo(wire);
        wire[9] = 50;
        BinaryPrimitives.WriteUInt16BigEndian(wire.AsSpan(2), (ushort)wire.Length);
        Packets.FixIpv4Checksum(wire);
        var esp = wire.AsSpan(20);
        BinaryPrimitives.WriteUInt32BigEndian(esp, outbound.Spi);
        BinaryPrimitives.WriteUInt32BigEndian(esp[4..], 1);
        transform.WriteIv(esp.Slice(8, 8), 1);
        new byte[] { 0xAA, 0xBB, 0xCC, 0xDD, 1, 2, 2, 59 }.CopyTo(esp[16..]);
        transform.Seal(esp, false, 0);

        Assert.Equal(PacketStatus.Dummy, hosts.Receive(wire).Status);
        Assert.Equal(PacketStatus.Replay, hosts.Receive(wire).Status);
        Assert.Equal(0, hosts.Inbound.Counters.PacketsIn);
    }
}
