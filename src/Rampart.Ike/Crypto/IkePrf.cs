using System.Security.Cryptography;
using Rampart.Core.Algorithms;

namespace Rampart.Ike.Crypto;

/// <summary>The negotiated hash of an IKEv1 SA: prf = HMAC with it (RFC 2409 §4), plain hash for IVs and NAT-D.</summary>
public sealed class IkePrf(IntegrityAlgorithm hash)
{
    public IntegrityAlgorithm Hash { get; } = hash;

    public HashAlgorithmName HashName { get; } = hash switch
    {
        IntegrityAlgorithm.Md5 => HashAlgorithmName.MD5,
        IntegrityAlgorithm.Sha1 => HashAlgorithmName.SHA1,
        IntegrityAlgorithm.Sha256 => HashAlgorithmName.SHA256,
        IntegrityAlgorithm.Sha384 => HashAlgorithmName.SHA384,
        IntegrityAlgorithm.Sha512 => HashAlgorithmName.SHA512,
        _ => throw new ArgumentOutOfRangeException(nameof(hash)),
    };

    public int OutputLength => AlgorithmCatalog.HmacKeyLength(Hash);

    /// <summary>Starts prf(key, ...): append the data parts, then <see cref="IncrementalHash.GetHashAndReset()"/>.</summary>
    public IncrementalHash Begin(ReadOnlySpan<byte> key) => IncrementalHash.CreateHMAC(HashName, key);

    /// <summary>Starts hash(...) (not keyed).</summary>
    public IncrementalHash BeginHash() => IncrementalHash.CreateHash(HashName);

    public byte[] Compute(ReadOnlySpan<byte> key, ReadOnlySpan<byte> data)
    {
        using var prf = Begin(key);
        prf.AppendData(data);
        return prf.GetHashAndReset();
    }
}
