"""Camera thumbnails on the server: checked as they come in, kept (the latest per camera
and one a day for evidence) in the server's own database, served to the pages."""
