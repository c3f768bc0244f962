using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Rampart.DataPath.Linux;

namespace Rampart.TestPeer;

/// <summary>
/// A stand-in for ESP until the real transforms are wired: an outbound packet keeps its addresses and
/// becomes IP protocol 253 (RFC 3692 experimental) whose payload is a 4-byte header holding the original
/// protocol, followed by the original payload XOR-ed with a key pattern; inbound protocol-253 packets are
/// turned back and marked. It grows and shrinks packets in place in the batch's headroom, like ESP will.
/// IPv4 and IPv6 without extension headers.
/// </summary>
public sealed class XorStandInTransform : IPacketHandler
{
    public const byte Protocol = 253;
    public const int Overhead = 4;
    private const int LinkMtu = 1500;
    private const ulong KeyPattern = 0x5a_c3_96_3c_a5_69_0f_f0;

    private readonly bool _outbound;
    private readonly uint _mark;
    private long _transformed;
    private long _malformed;

    public XorStandInTransform(bool outbound, uint decapsulatedMark)
    {
        _outbound = outbound;
        _mark = decapsulatedMark;
    }

    public long Transformed => Interlocked.Read(ref _transformed);

    public long Malformed => Interlocked.Read(ref _malformed);

    public void Handle(PacketBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        for (int i = 0; i < batch.Count; i++)
        {
            ref var packet = ref batch[i];
            bool done = _outbound ? Encapsulate(ref packet) : Decapsulate(ref packet);
            if (done)
            {
                _transformed++;
            }
            else
            {
                _malformed++;
                packet.Drop();
            }
        }
    }

    private static bool Encapsulate(ref QueuedPacket packet)
    {
        var data = packet.Data;
        if (!TryReadHeader(data, out bool ipv6, out int headerLength, out byte protocol) || packet.Offset < Overhead)
        {
            return false;
        }

        // Move only the IP header forward into the headroom; the payload is XOR-ed where it lies.
        int offset = packet.Offset - Overhead;
        var room = packet.Room;
        data[..headerLength].CopyTo(room[offset..]);
        var stand = room.Slice(offset + headerLength, Overhead);
        stand.Clear();
        stand[0] = protocol;
        Xor(data[headerLength..]);
        packet.AcceptModified(offset, data.Length + Overhead);
        if (!ipv6 && packet.Length > LinkMtu)
        {
            // Too big for the link after encapsulation: clear DF so the kernel fragments the outer packet
            // (the peer reassembles it before its queue), the RFC 4301 "clear DF" choice for non-TCP traffic.
            packet.Data[6] &= 0xbf;
        }

        Rewrite(packet.Data, ipv6, headerLength, Protocol);
        return true;
    }

    private bool Decapsulate(ref QueuedPacket packet)
    {
        var data = packet.Data;
        if (!TryReadHeader(data, out bool ipv6, out int headerLength, out byte protocol)
            || protocol != Protocol || data.Length < headerLength + Overhead)
        {
            return false;
        }

        byte original = data[headerLength];
        data[..headerLength].CopyTo(data[Overhead..]);
        Xor(data[(headerLength + Overhead)..]);
        packet.AcceptModified(packet.Offset + Overhead, data.Length - Overhead);
        packet.Mark(_mark);
        Rewrite(packet.Data, ipv6, headerLength, original);
        return true;
    }

    private static bool TryReadHeader(ReadOnlySpan<byte> data, out bool ipv6, out int headerLength, out byte protocol)
    {
        ipv6 = false;
        headerLength = 0;
        protocol = 0;
        if (data.Length < 20)
        {
            return false;
        }

        switch (data[0] >> 4)
        {
            case 4:
                headerLength = (data[0] & 0xf) * 4;
                protocol = data[9];
                // A fragment here means reassembly did not run before the queue: never transform part of a packet.
                bool fragment = (BinaryPrimitives.ReadUInt16BigEndian(data[6..]) & 0x3fff) != 0;
                return headerLength >= 20 && !fragment && data.Length >= headerLength && BinaryPrimitives.ReadUInt16BigEndian(data[2..]) == data.Length;
            case 6:
                ipv6 = true;
                headerLength = 40;
                protocol = data.Length >= 40 ? data[6] : (byte)0;
                return data.Length >= 40 && BinaryPrimitives.ReadUInt16BigEndian(data[4..]) == data.Length - 40;
            default:
                return false;
        }
    }

    /// <summary>Writes the new protocol and length and, for IPv4, the header checksum.</summary>
    private static void Rewrite(Span<byte> packet, bool ipv6, int headerLength, byte protocol)
    {
        if (ipv6)
        {
            packet[6] = protocol;
            BinaryPrimitives.WriteUInt16BigEndian(packet[4..], (ushort)(packet.Length - 40));
            return;
        }

        packet[9] = protocol;
        BinaryPrimitives.WriteUInt16BigEndian(packet[2..], (ushort)packet.Length);
        BinaryPrimitives.WriteUInt16BigEndian(packet[10..], 0);
        uint sum = 0;
        for (int i = 0; i < headerLength; i += 2)
        {
            sum += BinaryPrimitives.ReadUInt16BigEndian(packet[i..]);
        }

        while (sum > 0xffff)
        {
            sum = (sum & 0xffff) + (sum >> 16);
        }

        BinaryPrimitives.WriteUInt16BigEndian(packet[10..], (ushort)~sum);
    }

    private static void Xor(Span<byte> payload)
    {
        var words = MemoryMarshal.Cast<byte, ulong>(payload);
        for (int i = 0; i < words.Length; i++)
        {
            words[i] ^= KeyPattern;
        }

        // The key pattern is byte-wise in memory order, so the tail continues it byte by byte.
        Span<byte> key = stackalloc byte[8];
        ulong pattern = KeyPattern;
        MemoryMarshal.Write(key, in pattern);
        for (int i = words.Length * 8; i < payload.Length; i++)
        {
            payload[i] ^= key[i % 8];
        }
    }
}
