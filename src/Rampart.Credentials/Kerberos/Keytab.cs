using System.Buffers.Binary;
using System.Text;

namespace Rampart.Credentials.Kerberos;

/// <summary>
/// The principals in an MIT keytab file (format 0x0502, big-endian: entries of a signed length, a principal, a
/// timestamp, a key version and a key block; a negative length is a hole). Only names are read: the keys stay in the
/// file, which the native library opens itself.
/// </summary>
public static class Keytab
{
    /// <summary>The largest keytab read (a host's holds a few entries of ~100 bytes).</summary>
    public const int MaxSize = 1 << 20;

    /// <summary>The distinct principals (<c>a/b@REALM</c>) in <paramref name="data"/>; throws <see cref="InvalidDataException"/> if it is not a keytab.</summary>
    public static IReadOnlyList<string> Principals(ReadOnlySpan<byte> data)
    {
        if (data.Length < 2 || data[0] != 5 || data[1] != 2)
        {
            throw new InvalidDataException("not a Kerberos keytab (expected version 0x0502)");
        }

        var principals = new List<string>();
        var offset = 2;
        while (offset < data.Length)
        {
            var length = ReadInt32(data, ref offset);
            if (length == 0)
            {
                break;
            }

            var size = length < 0 ? -(long)length : length;
            if (size > data.Length - offset)
            {
                throw new InvalidDataException("truncated keytab entry");
            }

            var entry = data.Slice(offset, (int)size);
            offset += (int)size;
            if (length > 0 && ParseEntry(entry) is { } principal && !principals.Contains(principal))
            {
                principals.Add(principal);
            }
        }

        return principals;
    }

    private static string ParseEntry(ReadOnlySpan<byte> entry)
    {
        var offset = 0;
        var components = ReadUInt16(entry, ref offset);
        if (components is 0 or > 16)
        {
            throw new InvalidDataException("keytab entry with an invalid principal");
        }

        var realm = ReadString(entry, ref offset);
        var names = new string[components];
        for (var i = 0; i < components; i++)
        {
            names[i] = ReadString(entry, ref offset);
        }

        return string.Join('/', names) + "@" + realm;
    }

    private static string ReadString(ReadOnlySpan<byte> data, ref int offset)
    {
        var length = ReadUInt16(data, ref offset);
        if (length > data.Length - offset)
        {
            throw new InvalidDataException("truncated keytab principal");
        }

        var text = Encoding.UTF8.GetString(data.Slice(offset, length));
        offset += length;
        return text;
    }

    private static ushort ReadUInt16(ReadOnlySpan<byte> data, ref int offset)
    {
        if (data.Length - offset < 2)
        {
            throw new InvalidDataException("truncated keytab");
        }

        var value = BinaryPrimitives.ReadUInt16BigEndian(data[offset..]);
        offset += 2;
        return value;
    }

    private static int ReadInt32(ReadOnlySpan<byte> data, ref int offset)
    {
        if (data.Length - offset < 4)
        {
            throw new InvalidDataException("truncated keytab");
        }

        var value = BinaryPrimitives.ReadInt32BigEndian(data[offset..]);
        offset += 4;
        return value;
    }
}
