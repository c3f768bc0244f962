using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace Rampart.Cli;

/// <summary>
/// Key arguments without the key on the command line (where every local user reads it in /proc/PID/cmdline):
/// after a key's prefix (<c>psk:</c>, <c>ALG:</c>), <c>@FILE</c> reads the key from FILE and <c>-</c> from standard
/// input; anything else is the key itself. One trailing newline is removed. A key file must not be readable by group
/// or others (like ssh's private keys), and only one argument of a command may read standard input.
/// </summary>
internal sealed class SecretArguments
{
    private const UnixFileMode GroupOrOthers =
        UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute |
        UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    private readonly TextReader _input;
    private string? _stdinUser;

    public SecretArguments(TextReader? input = null) => _input = input ?? Console.In;

    /// <summary>
    /// Replaces a <c>psk:@FILE</c> or <c>psk:-</c> authentication method by <c>psk:KEY</c>; other methods pass unchanged.
    /// </summary>
    public bool TryResolveAuthentication(string option, string text, [NotNullWhen(true)] out string? resolved, [NotNullWhen(false)] out string? error)
    {
        if (text.StartsWith("psk:", StringComparison.OrdinalIgnoreCase))
        {
            return TryResolve(option, text, "psk:".Length, out resolved, out error);
        }

        resolved = text;
        error = null;
        return true;
    }

    /// <summary>Replaces <c>ALG:@FILE</c> or <c>ALG:-</c> by <c>ALG:HEXKEY</c> (the key file's whitespace trimmed).</summary>
    public bool TryResolveKeyed(string option, string? text, out string? resolved, [NotNullWhen(false)] out string? error)
    {
        var colon = text?.IndexOf(':', StringComparison.Ordinal) ?? -1;
        resolved = text;
        error = null;
        if (text is null || colon < 0)
        {
            return true;
        }

        if (!TryResolve(option, text, colon + 1, out var key, out error))
        {
            return false;
        }

        // Hex keys: a file written by an editor or `xxd -p` may wrap or end in spaces; none of that is key.
        resolved = key[..(colon + 1)] + string.Concat(key[(colon + 1)..].Where(c => !char.IsWhiteSpace(c)));
        return true;
    }

    private bool TryResolve(string option, string text, int keyStart, [NotNullWhen(true)] out string? resolved, [NotNullWhen(false)] out string? error)
    {
        var source = text[keyStart..];
        resolved = null;
        error = null;
        string key;
        if (source == "-")
        {
            if (_stdinUser is not null)
            {
                error = $"{option} and {_stdinUser} both read a key from standard input ('-'): only one can; give the other as @FILE";
                return false;
            }

            _stdinUser = option;
            key = _input.ReadToEnd();
        }
        else if (source.StartsWith('@'))
        {
            if (!TryReadKeyFile(option, source[1..], out key!, out error))
            {
                return false;
            }
        }
        else
        {
            resolved = text;
            return true;
        }

        resolved = text[..keyStart] + WithoutTrailingNewline(key);
        return true;
    }

    private static bool TryReadKeyFile(string option, string path, [NotNullWhen(true)] out string? key, [NotNullWhen(false)] out string? error)
    {
        key = null;
        error = null;
        if (path.Length == 0)
        {
            error = $"{option}: '@' must be followed by the name of a key file";
            return false;
        }

        try
        {
            var info = new FileInfo(path);
            if (!info.Exists)
            {
                error = $"{option}: key file '{path}' does not exist";
                return false;
            }

            if ((info.UnixFileMode & GroupOrOthers) != 0)
            {
                error = $"{option}: key file '{path}' is accessible by group or others; make it private with 'chmod 600 {path}'";
                return false;
            }

            key = File.ReadAllText(path, Encoding.UTF8);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error = $"{option}: cannot read key file '{path}': {e.Message}";
            return false;
        }
    }

    private static string WithoutTrailingNewline(string key) =>
        key.EndsWith("\r\n", StringComparison.Ordinal) ? key[..^2] : key.EndsWith('\n') ? key[..^1] : key;
}
