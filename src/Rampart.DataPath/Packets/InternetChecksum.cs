using System.Buffers.Binary;

namespace Rampart.DataPath.Packets;

/// <summary>The RFC 1071 ones'-complement sum used by the IPv4 header and UDP checksums.</summary>
public static class InternetChecksum
{
    /// <summary>Adds <paramref name="data"/> to a running sum (odd lengths are padded with a zero byte).</summary>
    public static uint Add(uint sum, ReadOnlySpan<byte> data)
    {
        // 32-bit big-endian words into a 64-bit accumulator: a word hi:lo is congruent to hi + lo in ones'-complement
        // arithmetic, so this equals the 16-bit sum with half the reads and no carries lost.
        ulong wide = sum;
        var i = 0;
        for (; i + 4 <= data.Length; i += 4)
        {
            wide += BinaryPrimitives.ReadUInt32BigEndian(data[i..]);
        }

        if (i + 2 <= data.Length)
        {
            wide += BinaryPrimitives.ReadUInt16BigEndian(data[i..]);
            i += 2;
        }

        if (i < data.Length)
        {
            wide += (uint)(data[i] << 8);
        }

        wide = (wide & 0xFFFF_FFFF) + (wide >> 32);
        wide = (wide & 0xFFFF) + (wide >> 16);
        return (uint)((wide & 0xFFFF) + (wide >> 16));
    }

    /// <summary>Folds the running sum and complements it.</summary>
    public static ushort Finish(uint sum)
    {
        while (sum >> 16 != 0)
        {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }

        return (ushort)~sum;
    }

    /// <summary>Recomputes and stores the IPv4 header checksum (bytes 10-11) of <paramref name="header"/>.</summary>
    public static void SetIpv4HeaderChecksum(Span<byte> header)
    {
        header[10] = 0;
        header[11] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(header[10..], Finish(Add(0, header)));
    }
}
