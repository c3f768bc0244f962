using System.Buffers.Binary;
using System.Text;

namespace Rampart.Credentials.Kerberos;

/// <summary>
/// What an MIT keytab file holds (format 0x0502, big-endian: entries of a signed length, a principal, a timestamp, a
/// key version and a key block; a negative length is a hole): principals, key versions and encryption types. The keys
/// themselves are skipped: the native library opens the file itself.
/// </summary>
public static class Keytab
{
    /// <summary>The largest keytab read (a host's holds a few entries of ~100 bytes).</summary>
    public const int MaxSize = 1 << 20;

    /// <summary>The distinct principals (<c>a/b@REALM</c>) in <paramref name="data"/>; throws <see cref="InvalidDataException"/> if it is not a keytab.</summary>
    public static IReadOnlyList<string> Principals(ReadOnlySpan<byte> data) =>
        [.. Entries(data).Select(entry => entry.Principal).Distinct(StringComparer.Ordinal)];

    /// <summary>Every key entry; throws <see cref="InvalidDataException"/> if it is not a keytab.</summary>
    public static IReadOnlyList<KeytabEntry> Entries(ReadOnlySpan<byte> data)
    {
        if (data.Length < 2 || data[0] != 5 || data[1] != 2)
        {
            throw new InvalidDataException("not a Kerberos keytab (expected version 0x0502)");
        }

        var entries = new List<KeytabEntry>();
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
            if (length > 0)
            {
                entries.Add(ParseEntry(entry));
            }
        }

        return entries;
    }

    private static KeytabEntry ParseEntry(ReadOnlySpan<byte> entry)
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

        offset += 8; // name type, timestamp
        if (entry.Length - offset < 1)
        {
            throw new InvalidDataException("truncated keytab entry");
        }

        uint version = entry[offset++];
        var encryptionType = ReadUInt16(entry, ref offset);
        var keyLength = ReadUInt16(entry, ref offset);
        if (keyLength > entry.Length - offset)
        {
            throw new InvalidDataException("truncated keytab key");
        }

        offset += keyLength;

        // Newer files append the full 32-bit key version (the byte above wraps at 256).
        if (entry.Length - offset >= 4 && BinaryPrimitives.ReadUInt32BigEndian(entry[offset..]) is var wide and not 0)
        {
            version = wide;
        }

        return new KeytabEntry(string.Join('/', names) + "@" + realm, version, encryptionType);
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

/// <summary>One key of a keytab: whose, which version, which encryption type (18 aes256-cts-hmac-sha1-96, 23 rc4-hmac, ...).</summary>
public sealed record KeytabEntry(string Principal, uint KeyVersion, int EncryptionType);
