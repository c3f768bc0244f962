using System.Buffers.Binary;

namespace Rampart.TestLab;

/// <summary>Reads the records of a classic (libpcap) capture file written by tshark on this host.</summary>
public static class ClassicPcap
{
    private const uint MagicMicroseconds = 0xa1b2c3d4;
    private const uint MagicNanoseconds = 0xa1b23c4d;
    private const int FileHeaderLength = 24;
    private const int RecordHeaderLength = 16;

    public static IReadOnlyList<byte[]> ReadFrames(ReadOnlySpan<byte> file)
    {
        uint magic = file.Length >= FileHeaderLength ? BinaryPrimitives.ReadUInt32LittleEndian(file) : 0;
        if (magic is not (MagicMicroseconds or MagicNanoseconds))
        {
            throw new InvalidDataException("not a little-endian classic pcap file");
        }

        var frames = new List<byte[]>();
        for (int offset = FileHeaderLength; offset + RecordHeaderLength <= file.Length;)
        {
            int length = checked((int)BinaryPrimitives.ReadUInt32LittleEndian(file[(offset + 8)..]));
            offset += RecordHeaderLength;
            frames.Add(file.Slice(offset, length).ToArray());
            offset += length;
        }

        return frames;
    }
}
