using System.Globalization;
using Rampart.Store;

namespace Rampart.Credentials.Certificates;

/// <summary>
/// Reads a file given to <c>cert import/trust</c> or <c>--password-file</c>: a regular file (not a device, FIFO or
/// directory) of at most <see cref="MaximumBytes"/>, so a hostile path cannot hang or exhaust the command.
/// </summary>
public static class CertificateInputFile
{
    public const int MaximumBytes = 1024 * 1024;

    private const UnixFileMode GroupOrOthers =
        UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute |
        UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    public static byte[] Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var info = new FileInfo(path);
        var target = info.LinkTarget is null ? info : info.ResolveLinkTarget(returnFinalTarget: true) as FileInfo;
        if (target is null || !target.Exists)
        {
            throw new InvalidDataException(Directory.Exists(path) ? $"{path} is a directory, not a file" : $"{path} does not exist");
        }

        if (FileStatus.Of(target.FullName) is not { IsRegularFile: true })
        {
            throw new InvalidDataException($"{path} is not a regular file");
        }

        if (target.Length > MaximumBytes)
        {
            throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"{path} is {target.Length} bytes; a certificate or key file is at most {MaximumBytes} bytes"));
        }

        using var stream = new FileStream(target.FullName, FileMode.Open, FileAccess.Read);
        var buffer = new byte[MaximumBytes + 1];
        var length = stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        return length > MaximumBytes
            ? throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"{path} grew past {MaximumBytes} bytes while being read"))
            : buffer[..length];
    }

    /// <summary>
    /// A password file's text (one trailing newline removed, as <c>echo secret &gt; FILE</c> leaves it); like ssh's
    /// private keys, the file must not be readable by group or others.
    /// </summary>
    public static string ReadPassword(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (File.Exists(path) && (File.GetUnixFileMode(path) & GroupOrOthers) != 0)
        {
            throw new InvalidDataException($"password file '{path}' is accessible by group or others; make it private with 'chmod 600 {path}'");
        }

        var text = System.Text.Encoding.UTF8.GetString(Read(path));
        return text.EndsWith("\r\n", StringComparison.Ordinal) ? text[..^2] : text.EndsWith('\n') ? text[..^1] : text;
    }
}
