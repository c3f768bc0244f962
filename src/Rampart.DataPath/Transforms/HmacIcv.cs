using System.Buffers.Binary;
using System.Security.Cryptography;
using Rampart.Core.Algorithms;

namespace Rampart.DataPath.Transforms;

/// <summary>
/// Truncated HMAC integrity for ESP and AH: HMAC-SHA-256-128 (RFC 4868), HMAC-SHA-1-96 (RFC 2404),
/// HMAC-MD5-96 (RFC 2403, legacy) and the longer SHA-2 variants. One reusable keyed instance per SA.
/// </summary>
public sealed class HmacIcv : IDisposable
{
    private readonly IncrementalHash _hmac;

    public HmacIcv(IntegrityAlgorithm algorithm, ReadOnlySpan<byte> key)
    {
        var name = algorithm switch
        {
            IntegrityAlgorithm.Sha256 => HashAlgorithmName.SHA256,
            IntegrityAlgorithm.Sha384 => HashAlgorithmName.SHA384,
            IntegrityAlgorithm.Sha512 => HashAlgorithmName.SHA512,
            IntegrityAlgorithm.Sha1 => HashAlgorithmName.SHA1,
            IntegrityAlgorithm.Md5 => HashAlgorithmName.MD5,
            _ => throw new ArgumentOutOfRangeException(nameof(algorithm), "not an HMAC integrity algorithm"),
        };
        _hmac = IncrementalHash.CreateHMAC(name, key);
        IcvLength = AlgorithmCatalog.IcvLength(algorithm);
    }

    public int IcvLength { get; }

    /// <summary>Appends covered bytes to the running HMAC.</summary>
    public void Append(ReadOnlySpan<byte> data) => _hmac.AppendData(data);

    /// <summary>Appends the implicit high-order sequence bits (ESN, RFC 4303 §2.2.1 / RFC 4302 §2.5.1).</summary>
    public void AppendSequenceHigh(uint sequenceHigh)
    {
        Span<byte> high = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(high, sequenceHigh);
        _hmac.AppendData(high);
    }

    /// <summary>Writes the truncated ICV of everything appended so far and resets for the next packet.</summary>
    public void Finish(Span<byte> icv)
    {
        Span<byte> full = stackalloc byte[64];
        _hmac.TryGetHashAndReset(full, out _);
        full[..IcvLength].CopyTo(icv);
    }

    /// <summary>Finishes and compares with <paramref name="expected"/> in constant time.</summary>
    public bool FinishAndVerify(ReadOnlySpan<byte> expected)
    {
        Span<byte> icv = stackalloc byte[IcvLength];
        Finish(icv);
        return expected.Length == IcvLength && CryptographicOperations.FixedTimeEquals(icv, expected);
    }

    /// <summary>Computes the ICV of one contiguous span (the RFC 2202/4231 test vectors exercise this).</summary>
    public void Compute(ReadOnlySpan<byte> data, Span<byte> icv)
    {
        Append(data);
        Finish(icv);
    }

    public void Dispose() => _hmac.Dispose();
}
