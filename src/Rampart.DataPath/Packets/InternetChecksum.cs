using System.Buffers.Binary;

namespace Rampart.DataPath.Packets;

/// <summary>The RFC 1071 ones'-complement sum used by the IPv4 header and UDP checksums.</summary>
public static class InternetChecksum
{
    /// <summary>Adds <paramref name="data"/> to a running 32-bit sum (odd lengths are padded with a zero byte).</summary>
    public static uint Add(uint sum, ReadOnlySpan<byte> data)
    {
        var i = 0;
        for (; i + 1 < data.Length; i += 2)
        {
            sum += BinaryPrimitives.ReadUInt16BigEndian(data[i..]);
        }

        if (i < data.Length)
        {
            sum += (uint)(data[i] << 8);
        }

        return sum;
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
