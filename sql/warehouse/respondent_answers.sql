-- Each respondent's answers with the derived flags that the marts' denominators use.
CREATE OR REPLACE VIEW respondent_answers AS
SELECT r.*, p.innovator, p.in_merging_unit, p.culture_index
FROM responses AS r
JOIN respondents AS p USING (wave, resp_id);
