namespace Rampart.DataPath.Tests;

internal static class Hex
{
    /// <summary>Parses hex as printed in RFCs: spaces and line breaks are ignored.</summary>
    public static byte[] Parse(string text) =>
        Convert.FromHexString(string.Concat(text.Where(c => !char.IsWhiteSpace(c))));
}
