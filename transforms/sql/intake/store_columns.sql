-- Where the file's fields are (frame `located`): key -> header text and column letter.
INSERT INTO submission_column BY NAME SELECT submission_id, key, header, letter FROM located
