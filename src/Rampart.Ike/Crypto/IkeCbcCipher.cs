using System.Security.Cryptography;
using Rampart.Core.Algorithms;

namespace Rampart.Ike.Crypto;

/// <summary>
/// CBC encryption of IKEv1 message bodies (RFC 2409 §5.3, Appendix B): AES-CBC-128/256, and 3DES/DES as opt-in
/// legacy. The caller chains IVs: the next IV is the last ciphertext block. Bodies are zero-padded to the block size.
/// </summary>
public sealed class IkeCbcCipher : IDisposable
{
    private readonly SymmetricAlgorithm _algorithm;

    public IkeCbcCipher(CipherAlgorithm cipher, ReadOnlySpan<byte> key)
    {
        if (key.Length != AlgorithmCatalog.KeyLength(cipher))
        {
            throw new ArgumentException("key length does not match the cipher", nameof(key));
        }

        _algorithm = cipher switch
        {
            CipherAlgorithm.AesCbc128 or CipherAlgorithm.AesCbc256 => Aes.Create(),
#pragma warning disable CA5350, CA5351 // legacy, opt-in: only when a policy names 3DES or DES
            CipherAlgorithm.TripleDes => TripleDES.Create(),
            CipherAlgorithm.Des => DES.Create(),
#pragma warning restore CA5350, CA5351
            _ => throw new ArgumentOutOfRangeException(nameof(cipher)),
        };
        var copy = key.ToArray();
        _algorithm.Key = copy;
        CryptographicOperations.ZeroMemory(copy);
        Cipher = cipher;
    }

    public CipherAlgorithm Cipher { get; }

    public int BlockSize => _algorithm.BlockSize / 8;

    public static int BlockSizeOf(CipherAlgorithm cipher) => cipher is CipherAlgorithm.TripleDes or CipherAlgorithm.Des ? 8 : 16;

    /// <summary>Length after zero padding to the block size.</summary>
    public int PaddedLength(int plaintextLength) => (plaintextLength + BlockSize - 1) / BlockSize * BlockSize;

    /// <summary>Encrypts a plaintext whose length is a multiple of the block size.</summary>
    public void Encrypt(ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> iv, Span<byte> destination) =>
        _algorithm.EncryptCbc(plaintext, iv, destination, PaddingMode.None);

    /// <summary>False if the ciphertext is not a whole number of blocks.</summary>
    public bool TryDecrypt(ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> iv, Span<byte> destination)
    {
        if (ciphertext.IsEmpty || ciphertext.Length % BlockSize != 0)
        {
            return false;
        }

        return _algorithm.TryDecryptCbc(ciphertext, iv, destination, out _, PaddingMode.None);
    }

    public void Dispose() => _algorithm.Dispose();
}
