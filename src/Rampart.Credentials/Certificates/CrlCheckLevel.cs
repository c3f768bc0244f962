namespace Rampart.Credentials.Certificates;

/// <summary>
/// How hard certificate revocation lists are checked, as Windows 2000's StrongCrlCheck value: 0 never (the default),
/// 1 fails only when a CRL says the certificate is revoked, 2 also fails when no valid CRL can be had for it.
/// </summary>
public enum CrlCheckLevel
{
    None = 0,
    RevokedOnly = 1,
    Strict = 2,
}
