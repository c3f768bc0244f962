using System.Buffers.Binary;
using System.Text;

namespace Rampart.Credentials.Tests.Kerberos;

/// <summary>Writes keytab files in MIT's 0x0502 format, for tests that need one without a KDC.</summary>
public static class KeytabBuilder
{
    public static byte[] Build(params (string Principal, uint Version, ushort Type)[] entries)
    {
        var file = new List<byte> { 5, 2 };
        foreach (var (principal, version, type) in entries)
        {
            var entry = new List<byte>();
            var at = principal.IndexOf('@', StringComparison.Ordinal);
            var components = principal[..at].Split('/');
            Append16(entry, (ushort)components.Length);
            AppendString(entry, principal[(at + 1)..]);
            foreach (var component in components)
            {
                AppendString(entry, component);
            }

            Append32(entry, 1); // KRB5_NT_PRINCIPAL
            Append32(entry, 0x6B11AC61); // timestamp
            entry.Add((byte)version);
            Append16(entry, type);
            Append16(entry, 32);
            entry.AddRange(new byte[32]);
            Append32(entry, version);
            Append32(file, (uint)entry.Count);
            file.AddRange(entry);
        }

        return [.. file];
    }

    public static string Write(string directory, params (string Principal, uint Version, ushort Type)[] entries)
    {
        var path = Path.Combine(directory, Guid.NewGuid().ToString("N") + ".keytab");
        File.WriteAllBytes(path, Build(entries));
        return path;
    }

    private static void AppendString(List<byte> target, string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        Append16(target, (ushort)bytes.Length);
        target.AddRange(bytes);
    }

    private static void Append16(List<byte> target, ushort value)
    {
        Span<byte> buffer = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(buffer, value);
        target.AddRange(buffer.ToArray());
    }

    private static void Append32(List<byte> target, uint value)
    {
        Span<byte> buffer = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(buffer, value);
        target.AddRange(buffer.ToArray());
    }
}
