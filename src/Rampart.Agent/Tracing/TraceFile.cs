using System.Text;

namespace Rampart.Agent.Tracing;

/// <summary>
/// One size-limited trace file. When the agent starts, the previous run's file is kept as <c>NAME.last</c> and a
/// new one begins (as Oakley.log and ipsecpa.log did); when the file reaches <see cref="MaximumBytes"/> it is moved to
/// <c>NAME.bak</c> and a new one begins, so a trace never holds more than twice the limit on disk.
/// </summary>
public sealed class TraceFile : IDisposable
{
    private readonly Lock _gate = new();
    private FileStream? _stream;

    public TraceFile(string path, long maximumBytes, bool enabled)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maximumBytes, 1024);
        Path = path;
        MaximumBytes = maximumBytes;
        if (File.Exists(path))
        {
            File.Move(path, path + ".last", overwrite: true);
        }

        Enabled = enabled;
    }

    public string Path { get; }

    public long MaximumBytes { get; }

    public bool Enabled
    {
        get;
        set
        {
            lock (_gate)
            {
                field = value;
                if (!value)
                {
                    _stream?.Dispose();
                    _stream = null;
                }
            }
        }
    }

    public void WriteLine(string line)
    {
        var bytes = Encoding.UTF8.GetBytes(line + "\n");
        lock (_gate)
        {
            if (!Enabled)
            {
                return;
            }

            _stream ??= Open();
            if (_stream.Length > 0 && _stream.Length + bytes.Length > MaximumBytes)
            {
                _stream.Dispose();
                File.Move(Path, Path + ".bak", overwrite: true);
                _stream = Open();
            }

            _stream.Write(bytes);
            _stream.Flush();
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _stream?.Dispose();
            _stream = null;
        }
    }

    private FileStream Open() => new(Path, new FileStreamOptions
    {
        Mode = FileMode.Append,
        Access = FileAccess.Write,
        Share = FileShare.Read,
        UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
    });
}
