using System.Security.Cryptography;

namespace Rampart.Core.SecurityAssociations;

/// <summary>
/// Secret key bytes of an SA. Never printed (<see cref="ToString"/> shows only the length), compared in
/// constant time, zeroed on <see cref="Dispose"/>.
/// </summary>
public sealed class KeyMaterial : IDisposable
{
    private readonly byte[] _bytes;

    public KeyMaterial(ReadOnlySpan<byte> bytes) => _bytes = bytes.ToArray();

    public static KeyMaterial Empty { get; } = new([]);

    public int Length => _bytes.Length;

    /// <summary>The key bytes, for handing to a crypto primitive; do not copy them elsewhere.</summary>
    public ReadOnlySpan<byte> Span => _bytes;

    public static KeyMaterial FromHex(string hex) => new(Convert.FromHexString(hex));

    public bool FixedTimeEquals(KeyMaterial other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return CryptographicOperations.FixedTimeEquals(_bytes, other._bytes);
    }

    public override string ToString() => $"*** ({_bytes.Length} bytes)";

    public void Dispose() => CryptographicOperations.ZeroMemory(_bytes);
}
